import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm, router } from "@switchyard/proto";
import { renderHealth, renderHealthCheck } from "./health.js";

const NOW = Date.UTC(2026, 0, 1);

const state = (id: string, over: MessageInitShape<typeof router.DeploymentStateSchema> = {}) =>
  create(router.DeploymentStateSchema, {
    id,
    modelGroup: `group-${id}`,
    provider: "openai",
    breaker: router.BreakerState.CLOSED,
    ...over,
  });

const probe = (healthy: boolean, over: MessageInitShape<typeof router.HealthCheckSchema> = {}) =>
  create(router.HealthCheckSchema, {
    healthy,
    checkedAtMs: BigInt(NOW - 1_000),
    latencyMs: 12,
    ...(healthy ? {} : { errorClass: llm.ErrorClass.UNAVAILABLE, consecutiveFailures: 3 }),
    ...over,
  });

describe("GET /health", () => {
  it("without background checks: judged from breakers and cooldowns, in LiteLLM's shape", () => {
    const report = renderHealth(
      [
        state("ok"),
        state("open", { breaker: router.BreakerState.OPEN }),
        state("cool", { cooldownUntilMs: BigInt(NOW + 5_000) }),
      ],
      NOW,
    );
    assert.deepEqual(report, {
      healthy_endpoints: [{ id: "ok", model: "group-ok", provider: "openai" }],
      unhealthy_endpoints: [
        { id: "open", model: "group-open", provider: "openai", error: "circuit breaker open" },
        { id: "cool", model: "group-cool", provider: "openai", error: "cooling down after a 429" },
      ],
      healthy_count: 1,
      unhealthy_count: 2,
    });
  });

  it("with background checks: the latest probe decides, and an open breaker still counts", () => {
    const report = renderHealth(
      [
        state("up", { healthCheck: probe(true) }),
        state("down", { healthCheck: probe(false, { errorMessage: "openai: the upstream provider is unavailable" }) }),
        state("silent", { healthCheck: probe(false) }),
        state("tripped", { healthCheck: probe(true), breaker: router.BreakerState.HALF_OPEN }),
        state("unprobed"),
      ],
      NOW,
    );
    const checkedAt = new Date(NOW - 1_000).toISOString();
    assert.deepEqual(report, {
      healthy_endpoints: [
        { id: "up", model: "group-up", provider: "openai", last_checked_at: checkedAt, latency_ms: 12 },
        { id: "unprobed", model: "group-unprobed", provider: "openai" },
      ],
      unhealthy_endpoints: [
        {
          id: "down",
          model: "group-down",
          provider: "openai",
          last_checked_at: checkedAt,
          latency_ms: 12,
          error: "openai: the upstream provider is unavailable",
          error_class: "unavailable",
          consecutive_failures: 3,
        },
        {
          id: "silent",
          model: "group-silent",
          provider: "openai",
          last_checked_at: checkedAt,
          latency_ms: 12,
          error: "health check failed (unavailable)",
          error_class: "unavailable",
          consecutive_failures: 3,
        },
        {
          id: "tripped",
          model: "group-tripped",
          provider: "openai",
          last_checked_at: checkedAt,
          latency_ms: 12,
          error: "circuit breaker half-open",
        },
      ],
      healthy_count: 2,
      unhealthy_count: 3,
    });
  });

  it("shows a probe at /health/deployments with nulls where a healthy one has nothing to say", () => {
    assert.deepEqual(renderHealthCheck(probe(true)), {
      healthy: true,
      checked_at: new Date(NOW - 1_000).toISOString(),
      latency_ms: 12,
      error_class: null,
      error: null,
      consecutive_failures: 0,
    });
    assert.equal((renderHealthCheck(probe(false)) as { error_class: string }).error_class, "unavailable");
  });
});
