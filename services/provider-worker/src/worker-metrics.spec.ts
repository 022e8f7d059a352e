import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { metering } from "@switchyard/proto";
import { type connect, createMetricsRegistry, type Registry } from "@switchyard/runtime";
import { countInFlight, measuredSink, recordAttempt, workerMetrics } from "./worker-metrics.js";

function event(overrides: Record<string, unknown> = {}): metering.UsageEvent {
  return create(metering.UsageEventSchema, {
    eventId: "e1",
    requestId: "req-secret-ish-1",
    caller: { keyId: "key-1", keyAlias: "search", userId: "user-1" },
    route: { modelGroup: "gpt", deploymentId: "gpt/0", provider: "openai", upstreamModel: "gpt-4o" },
    tokens: create(metering.TokensSchema, { prompt: 120, completion: 30 }),
    costNanos: 1_500_000n,
    latencyMs: 850,
    ttftMs: 120,
    stream: true,
    status: metering.Status.OK,
    httpStatus: 200,
    operation: "chat.completions",
    ...overrides,
  } as Parameters<typeof create<typeof metering.UsageEventSchema>>[1]);
}

async function lines(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split("\n");
}

function value(text: string[], pattern: RegExp): number {
  const line = text.find((l) => pattern.test(l));
  return line === undefined ? Number.NaN : Number(line.split(" ").pop());
}

describe("the worker's attempt metrics", () => {
  it("records tokens by type, duration, time to first chunk and cost of an attempt", async () => {
    const registry = createMetricsRegistry();
    const metrics = workerMetrics(registry);
    recordAttempt(metrics, event());
    recordAttempt(metrics, event({ stream: false, ttftMs: 0 }));
    const text = await lines(registry);
    const labels =
      'gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt",deployment="gpt/0"';
    assert.equal(
      value(text, new RegExp(`^gen_ai_client_token_usage_sum\\{${labels},gen_ai_token_type="input"\\}`)),
      240,
    );
    assert.equal(
      value(text, new RegExp(`^gen_ai_client_token_usage_sum\\{${labels},gen_ai_token_type="output"\\}`)),
      60,
    );
    assert.equal(
      value(text, new RegExp(`^gen_ai_client_token_usage_bucket\\{le="64",${labels},gen_ai_token_type="output"\\}`)),
      2,
    );
    assert.equal(
      value(text, new RegExp(`^gen_ai_client_operation_duration_seconds_count\\{${labels},status="200"\\}`)),
      2,
    );
    assert.equal(
      value(text, new RegExp(`^gen_ai_client_operation_time_to_first_chunk_seconds_count\\{${labels}\\}`)),
      1,
    );
    assert.equal(value(text, /^switchyard_cost_usd_total\{gen_ai_request_model="gpt",deployment="gpt\/0"\}/), 0.003);
  });

  it("labels failures by status and records no tokens for an attempt refused before it ran", async () => {
    const registry = createMetricsRegistry();
    const metrics = workerMetrics(registry);
    recordAttempt(
      metrics,
      event({
        status: metering.Status.ERROR,
        httpStatus: 429,
        tokens: create(metering.TokensSchema, { prompt: 0, completion: 0 }),
        costNanos: 0n,
      }),
    );
    const text = await lines(registry);
    assert.equal(value(text, /^gen_ai_client_operation_duration_seconds_count\{.*status="429"\}/), 1);
    assert.equal(
      text.some((l) => l.startsWith("gen_ai_client_token_usage_count{")),
      false,
    );
    assert.equal(
      text.some((l) => l.startsWith("switchyard_cost_usd_total{")),
      false,
    );
  });

  it("never labels by key, user or request id", async () => {
    const registry = createMetricsRegistry();
    recordAttempt(workerMetrics(registry), event());
    const text = (await lines(registry)).join("\n");
    for (const id of ["key-1", "search", "user-1", "req-secret-ish-1", 'e1"'])
      assert.equal(text.includes(id), false, id);
  });

  it("passes every event on to the sink, even when recording fails", () => {
    const seen: metering.UsageEvent[] = [];
    const metrics = workerMetrics(createMetricsRegistry());
    const sink = measuredSink({ publish: (e) => void seen.push(e) }, metrics);
    sink.publish(event());
    sink.publish(event({ route: undefined, tokens: undefined }));
    assert.equal(seen.length, 2);
  });
});

describe("countInFlight", () => {
  it("counts unary calls until answered and streams until they end", async () => {
    const registry = createMetricsRegistry();
    const gauge = workerMetrics(registry).inFlight;
    let release: () => void = () => {};
    const routes: connect.Routes = new Map([
      [
        "/s/Unary",
        {
          kind: "unary",
          decode: (b) => b,
          encode: (v) => v as Uint8Array,
          unary: () => new Promise((resolve) => (release = () => resolve(new Uint8Array()))),
        },
      ],
      [
        "/s/Stream",
        {
          kind: "server_streaming",
          decode: (b) => b,
          encode: (v) => v as Uint8Array,
          stream: async () => {
            throw new Error("failed stream");
          },
        },
      ],
    ]);
    countInFlight(routes, gauge);
    const ctx = {} as connect.HandlerContext;
    const pending = routes.get("/s/Unary")?.unary?.(undefined, ctx) as Promise<unknown>;
    assert.equal((await gauge.get()).values[0]?.value, 1);
    release();
    await pending;
    await assert.rejects(
      Promise.resolve(routes.get("/s/Stream")?.stream?.(undefined, ctx, { write: () => undefined })),
    );
    assert.equal((await gauge.get()).values[0]?.value, 0);
  });
});
