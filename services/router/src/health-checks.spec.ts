import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { llm, router, worker } from "@switchyard/proto";
import { connect, createLogger, GatewayError } from "@switchyard/runtime";
import { createFailover, NO_WORKER_CODE } from "./failover.js";
import {
  createHealthChecks,
  FIRST_ROUND_SPREAD_MS,
  type HealthChecksOptions,
  healthCheckFields,
  MAX_CONCURRENT_PROBES,
  NO_WORKER_RETRY_MS,
  type SetTimer,
} from "./health-checks.js";
import { HEALTH_CHECK_CALLER, type ProbePlan, planProbes, safeMessage, workerProbe } from "./health-probe.js";
import { createWorkerPool } from "./workers.js";

const log = createLogger("test", "silent");

const dep = (id: string, over: Partial<Deployment> = {}): Deployment => ({
  id,
  modelName: `group-${id}`,
  provider: "openai",
  model: `model-${id}`,
  weight: 1,
  tags: [],
  modelInfo: {},
  params: {},
  source: "model_list[0]",
  ...over,
});

/** Timers the test fires by hand, with the delays they were set for. */
function fakeTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const setTimer: SetTimer = (fn, ms) => {
    const id = next++;
    pending.set(id, { fn, ms });
    return () => pending.delete(id);
  };
  return {
    setTimer,
    delays: () => [...pending.values()].map((t) => t.ms),
    /** Fires every pending timer, then lets the probes it started run. */
    async fire() {
      const due = [...pending.values()];
      pending.clear();
      for (const t of due) t.fn();
      await settle();
    },
  };
}

/** Lets promise chains and immediates run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function checks(
  deployments: Deployment[],
  probe: HealthChecksOptions["probe"],
  over: Partial<HealthChecksOptions> = {},
) {
  const timers = fakeTimers();
  const hc = createHealthChecks({ deployments, intervalMs: 60_000, probe, log, setTimer: timers.setTimer, ...over });
  return { hc, timers };
}

const unavailable = (message: string) => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message });

describe("background health checks", () => {
  it("probes every deployment once per interval: the first round spread out, then each on its own jittered timer", async () => {
    const probed: string[] = [];
    const { hc, timers } = checks([dep("a"), dep("b"), dep("c")], async (plan) => {
      probed.push(plan.deployment.id);
    });
    assert.deepEqual(timers.delays(), [], "nothing before start");
    hc.start();
    hc.start();
    const first = timers.delays();
    assert.equal(first.length, 3, "one timer per deployment, however often start is called");
    assert.ok(
      first.every((ms) => ms >= 0 && ms < FIRST_ROUND_SPREAD_MS),
      `${first}`,
    );
    assert.ok(new Set(first).size > 1, "spread, not all at once");
    await timers.fire();
    assert.deepEqual(probed.sort(), ["a", "b", "c"]);
    const next = timers.delays();
    assert.equal(next.length, 3);
    assert.ok(
      next.every((ms) => ms >= 54_000 && ms <= 66_000),
      `every interval, give or take 10 %: ${next}`,
    );
    await timers.fire();
    assert.equal(probed.length, 6);
    await hc.stop();
  });

  it("never has more than a few probes in flight, however many deployments there are", async () => {
    let inFlight = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const deployments = Array.from({ length: 10 }, (_, i) => dep(`d${i}`));
    const { hc, timers } = checks(deployments, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight--;
    });
    hc.start();
    await timers.fire();
    assert.equal(inFlight, MAX_CONCURRENT_PROBES);
    while (releases.length > 0) {
      releases.shift()?.();
      await settle();
    }
    assert.equal(most, MAX_CONCURRENT_PROBES);
    assert.ok(
      deployments.every((d) => hc.result(d.id)?.healthy === true),
      "the waiting ones ran in turn",
    );
    await hc.stop();
  });

  it("records healthy and unhealthy with time, latency, error class, failures in a row and no secrets", async () => {
    let t = 1_000_000;
    let fail = true;
    const { hc, timers } = checks(
      [dep("a")],
      async () => {
        t += 42;
        if (fail)
          throw unavailable("openai: could not reach https://tenant.example.com/v1?key=sk-proj-abcdef1234567890");
      },
      { now: () => t },
    );
    hc.start();
    await timers.fire();
    const failed = hc.result("a");
    assert.equal(failed?.healthy, false);
    assert.equal(failed?.checkedAtMs, 1_000_000);
    assert.equal(failed?.latencyMs, 42);
    assert.equal(failed?.errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.equal(failed?.errorMessage, "openai: could not reach <url>");
    assert.equal(failed?.consecutiveFailures, 1);
    await timers.fire();
    assert.equal(hc.result("a")?.consecutiveFailures, 2);

    const fields = healthCheckFields(hc, "a");
    assert.ok(fields.healthCheck);
    const state = create(router.DeploymentStateSchema, { id: "a", ...fields });
    assert.equal(state.healthCheck?.errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.equal(state.healthCheck?.checkedAtMs, BigInt(1_000_042));

    fail = false;
    await timers.fire();
    assert.deepEqual(hc.result("a"), {
      healthy: true,
      checkedAtMs: 1_000_084,
      latencyMs: 42,
      errorClass: llm.ErrorClass.UNSPECIFIED,
      errorMessage: "",
      consecutiveFailures: 0,
    });
    assert.deepEqual(healthCheckFields(undefined, "a"), {}, "checks off: no fields");
    assert.deepEqual(healthCheckFields(hc, "unknown"), {}, "not probed yet: no fields");
    await hc.stop();
  });

  it("keeps the last result when no provider worker took the probe, and tries again soon", async () => {
    let noWorker = false;
    const { hc, timers } = checks([dep("a")], async () => {
      if (noWorker) {
        throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "no worker", code: NO_WORKER_CODE });
      }
    });
    hc.start();
    await timers.fire();
    assert.equal(hc.result("a")?.healthy, true);
    noWorker = true;
    await timers.fire();
    assert.equal(hc.result("a")?.healthy, true, "the deployment was never asked");
    const [retry] = timers.delays();
    assert.ok(retry !== undefined && retry <= NO_WORKER_RETRY_MS, `${retry}`);
    await hc.stop();
  });

  it("stops: pending probes are cancelled and those in flight aborted, without recording them", async () => {
    const aborted: unknown[] = [];
    const { hc, timers } = checks([dep("a"), dep("b")], (_plan, signal) => {
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          aborted.push(signal.reason);
          reject(signal.reason);
        }),
      );
    });
    hc.start();
    await timers.fire();
    await hc.stop();
    assert.equal(aborted.length, 2);
    assert.deepEqual(timers.delays(), [], "nothing scheduled after stop");
    assert.equal(hc.result("a"), undefined);
    hc.start();
    assert.deepEqual(timers.delays(), [], "a stopped prober does not start again");
  });
});

describe("probe plans", () => {
  it("honours LiteLLM's model_info keys: disable_background_health_check, health_check_model, health_check_timeout", () => {
    const plans = planProbes(
      [
        dep("plain"),
        dep("short", { timeoutMs: 3_000 }),
        dep("off", { modelInfo: { disable_background_health_check: true } }),
        dep("wild", { modelName: "openai/*", model: "*", modelInfo: { health_check_model: "openai/gpt-4o-mini" } }),
        dep("wild-unnamed", { modelName: "anthropic/*", model: "*" }),
        dep("slow", { modelInfo: { health_check_timeout: 30 } }),
        dep("typo", { modelInfo: { health_check_timeout: "soon", disable_background_health_check: "yes" } }),
        dep("embedder", { modelInfo: { mode: "embedding" } }),
        dep("whisper", { modelInfo: { mode: "audio_transcription" } }),
      ],
      log,
    );
    const summary = plans.map((p: ProbePlan) => [p.deployment.id, p.model, p.timeoutMs, p.kind]);
    assert.deepEqual(summary, [
      ["plain", "group-plain", 10_000, "chat"],
      ["short", "group-short", 3_000, "chat"],
      ["wild", "openai/gpt-4o-mini", 10_000, "chat"],
      ["slow", "group-slow", 30_000, "chat"],
      ["typo", "group-typo", 10_000, "chat"],
      ["embedder", "group-embedder", 10_000, "embedding"],
    ]);
  });

  it("keeps failure messages free of URLs, addresses, tokens and keys, and short", () => {
    assert.equal(
      safeMessage("401 from http://10.0.0.7:8080/v1: Bearer abc.def sk-ant-api03-XYZxyz123 at 10.1.2.3:443"),
      "401 from <url> Bearer <redacted> <redacted> at <address>",
    );
    assert.equal(safeMessage("the upstream said ".repeat(30)).length, 200);
    assert.equal(
      safeMessage("openai: the upstream provider is unavailable (HTTP 503)"),
      "openai: the upstream provider is unavailable (HTTP 503)",
    );
  });
});

describe("probes through the worker pool", () => {
  it("sends a one-token chat as a routed attempt would, marked as the health check's own caller", async () => {
    const seen: worker.ChatRequest[] = [];
    const embedded: worker.EmbedRequest[] = [];
    const routes = connect.addConnectService(new Map(), worker.ProviderWorkerService, {
      async chat(req) {
        seen.push(req);
        if (req.deploymentId === "down") throw unavailable("openai: the upstream provider is unavailable (HTTP 503)");
        return create(worker.ChatResponseSchema, {});
      },
      async embed(req) {
        embedded.push(req);
        return create(worker.EmbedResponseSchema, {});
      },
      async streamChat() {
        throw new Error("a probe never streams");
      },
      async complete() {
        throw new Error("a probe never completes text");
      },
      async streamComplete() {
        throw new Error("a probe never streams text");
      },
      async rerank() {
        throw new Error("a probe never reranks");
      },
      async transcribe() {
        throw new Error("a probe never transcribes");
      },
      async speak() {
        throw new Error("a probe never speaks");
      },
      async generateImages() {
        throw new Error("a probe never draws");
      },
      async varyImage() {
        throw new Error("a probe never draws");
      },
    });
    const server = createServer(connect.createConnectHandler(routes, { maxBodyBytes: 1 << 20, draining: () => false }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const pool = createWorkerPool([`127.0.0.1:${(server.address() as AddressInfo).port}`]);
    try {
      const probe = workerProbe(createFailover(pool));
      const signal = new AbortController().signal;
      const wild = dep("wild", { modelName: "openai/*", model: "*" });
      await probe({ deployment: wild, model: "openai/gpt-4o-mini", timeoutMs: 2_000, kind: "chat" }, signal);
      const [req] = seen;
      assert.equal(req?.deploymentId, "wild");
      assert.equal(req?.request?.model, "openai/gpt-4o-mini");
      assert.equal(req?.request?.maxTokens, 1);
      assert.equal(req?.request?.stream, false);
      assert.equal(req?.request?.messages.length, 1);
      assert.deepEqual(
        [req?.caller?.keyId, req?.caller?.keyAlias, req?.caller?.tags, req?.caller?.teamId, req?.caller?.userId],
        [HEALTH_CHECK_CALLER, HEALTH_CHECK_CALLER, [HEALTH_CHECK_CALLER], "", ""],
        "charged to no client key, team or user",
      );
      assert.match(req?.requestId ?? "", /^switchyard-health-check-[0-9a-f-]{36}$/);
      assert.deepEqual([req?.modelGroup, req?.requestedModel, req?.attempt], ["openai/*", "openai/*", 1]);
      await assert.rejects(
        probe({ deployment: dep("down"), model: "group-down", timeoutMs: 2_000, kind: "chat" }, signal),
        (err: GatewayError) => err.errorClass === llm.ErrorClass.UNAVAILABLE,
      );
      // An embedding deployment is probed with the embedding of one word, never with chat.
      await probe(
        { deployment: dep("embedder"), model: "group-embedder", timeoutMs: 2_000, kind: "embedding" },
        signal,
      );
      assert.deepEqual(embedded[0]?.request?.texts, ["ping"]);
      assert.equal(embedded[0]?.caller?.keyId, HEALTH_CHECK_CALLER);
      assert.equal(seen.length, 2, "no chat call for it");
    } finally {
      await pool.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
