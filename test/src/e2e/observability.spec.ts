// Traces, logs and metrics of real requests through the real mesh (ingress, policy, router, provider worker, metering
// with NATS and ClickHouse), exported to an in-process OTLP receiver: one connected trace per request from the
// ingress to the upstream call and on through the usage event's NATS headers to the metering insert; one access-log
// line per request with its ids and outcome; no secret in any log line; the GenAI metrics on /metrics.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { freePort, type LogLine } from "@switchyard/launcher";
import { gateway, llm } from "@switchyard/proto";
import { callStream, callUnary, createClient } from "@switchyard/runtime";
import { request } from "undici";
import { KIND, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../fakes/otlp-receiver.js";
import { chat, type MeteredGateway, startMeteredGateway } from "./metering-setup.js";
import { MASTER_KEY, OPENAI_KEY } from "./setup.js";

const SERVICES = ["ingress", "policy", "router", "provider-worker", "metering"].map((s) => `switchyard-${s}`);

/**
 * Waits until a trace's spans the assertions read have all arrived: its root (the span whose parent is `parentId`,
 * "" when the client sent no trace context) and one span of each of `services`. Every process exports on its own
 * schedule, so the metering insert's span can arrive before the ingress's request span.
 */
function waitForTrace(
  otlp: OtlpReceiver,
  traceId: string,
  parentId: string,
  services: readonly string[] = ["switchyard-ingress", "switchyard-provider-worker", "switchyard-metering"],
): Promise<void> {
  return otlp.waitFor((spans) => {
    const trace = spans.filter((s) => s.traceId === traceId);
    return (
      trace.some((s) => s.parentSpanId === parentId) && services.every((name) => trace.some((s) => s.service === name))
    );
  });
}

/** A client-side trace context, so the test knows the trace id of its request up front. */
function clientTrace(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

/** Waits until `lines` holds an ingress access-log line for `requestId`, and returns it parsed. */
async function accessLine(lines: readonly LogLine[], requestId: string): Promise<Record<string, unknown>> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    for (const l of lines) {
      if (l.name !== "ingress" || !l.line.includes(requestId)) continue;
      const parsed = JSON.parse(l.line) as Record<string, unknown>;
      if (parsed.msg === "request" && parsed.requestId === requestId) return parsed;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no access-log line for ${requestId}`);
}

/** Checks that the spans of one trace form one tree under the client's span, and returns them. */
function connectedTrace(spans: readonly ReceivedSpan[], traceId: string, parentId: string): ReceivedSpan[] {
  const mine = spans.filter((s) => s.traceId === traceId);
  const ids = new Set(mine.map((s) => s.spanId));
  for (const span of mine) {
    assert.ok(
      ids.has(span.parentSpanId) || span.parentSpanId === parentId,
      `span "${span.name}" of ${span.service} has a parent outside the trace (${span.parentSpanId || "none"})`,
    );
  }
  assert.equal(mine.filter((s) => s.parentSpanId === parentId).length, 1, "one root span under the client's");
  return mine;
}

function find(spans: readonly ReceivedSpan[], service: string, kind: number, name?: RegExp): ReceivedSpan {
  const span = spans.find((s) => s.service === service && s.kind === kind && (!name || name.test(s.name)));
  assert.ok(span, `expected a ${service} span of kind ${kind}${name ? ` named ${name}` : ""}`);
  return span;
}

/** The chain a chat completion's trace must hold, each span the child of the one before. */
function assertChain(spans: readonly ReceivedSpan[]): ReceivedSpan {
  const ingress = find(spans, "switchyard-ingress", KIND.server, /^POST \/v1\/chat\/completions$/);
  const toRouter = find(spans, "switchyard-ingress", KIND.client, /RouterService\/(Stream)?Chat$/);
  const router = find(spans, "switchyard-router", KIND.server, /RouterService\/(Stream)?Chat$/);
  const toWorker = find(spans, "switchyard-router", KIND.client, /ProviderWorkerService\/(Stream)?Chat$/);
  const worker = find(spans, "switchyard-provider-worker", KIND.server, /ProviderWorkerService/);
  const upstream = find(spans, "switchyard-provider-worker", KIND.client, /^chat /);
  const produced = find(spans, "switchyard-provider-worker", KIND.producer);
  const insert = find(spans, "switchyard-metering", KIND.consumer, /^insert usage_events$/);
  const chain = [ingress, toRouter, router, toWorker, worker, upstream];
  for (let i = 1; i < chain.length; i++) {
    assert.equal(chain[i]?.parentSpanId, chain[i - 1]?.spanId, `${chain[i]?.name} under ${chain[i - 1]?.name}`);
  }
  assert.equal(produced.parentSpanId, worker.spanId, "the usage event is produced in the worker's call");
  assert.equal(insert.parentSpanId, produced.spanId, "metering continues the usage event's trace");
  return upstream;
}

describe("observability through the mesh", { timeout: 240_000 }, () => {
  let gw: MeteredGateway;
  let otlp: OtlpReceiver;
  let ingressMetricsUrl: string;
  const lines: LogLine[] = [];
  let virtualKey = "";

  before(async () => {
    otlp = await startOtlpReceiver();
    ingressMetricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
    gw = await startMeteredGateway({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: "100", LOG_LEVEL: "debug" },
      serviceEnv: { ingress: { SWITCHYARD_METRICS_ADDR: new URL(ingressMetricsUrl).host } },
      onLog: (line) => lines.push(line),
    });
    const res = await request(`${gw.mesh.restUrl}/key/generate`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ key_alias: "obs-search", models: ["priced"] }),
    });
    const body = (await res.body.json()) as { key?: string };
    assert.equal(res.statusCode, 200, JSON.stringify(body));
    virtualKey = body.key ?? "";
    assert.match(virtualKey, /^sk-/);
  });
  after(async () => {
    await gw?.stop();
    await otlp?.close();
  });

  it("follows a completion in one trace: ingress, policy, router, worker, upstream (GenAI attributes), metering", async () => {
    const { traceId, parentId, traceparent } = clientTrace();
    const res = await chat(
      gw.mesh.restUrl,
      { model: "priced", messages: [{ role: "user", content: "hi" }] },
      { traceparent, authorization: `Bearer ${virtualKey}` },
    );
    assert.equal(res.status, 200, res.body);
    await waitForTrace(otlp, traceId, parentId, SERVICES);
    const spans = connectedTrace(otlp.spans, traceId, parentId);
    assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), [...SERVICES].sort());
    const upstream = assertChain(spans);
    const policy = find(spans, "switchyard-policy", KIND.server, /PolicyService\/Authorize$/);
    const toPolicy = find(spans, "switchyard-ingress", KIND.client, /PolicyService\/Authorize$/);
    assert.equal(policy.parentSpanId, toPolicy.spanId);
    const attrs = upstream.attributes;
    assert.equal(attrs["gen_ai.operation.name"], "chat");
    assert.equal(attrs["gen_ai.provider.name"], "openai");
    assert.equal(attrs["gen_ai.system"], "openai");
    assert.equal(attrs["gen_ai.request.model"], "gpt-4o");
    assert.equal(attrs["gen_ai.response.model"], "gpt-4o");
    assert.ok(Number(attrs["gen_ai.usage.input_tokens"]) > 0, "input tokens");
    assert.ok(Number(attrs["gen_ai.usage.output_tokens"]) > 0, "output tokens");
    assert.equal(attrs["http.response.status_code"], 200);
    assert.equal(String(attrs["url.full"]).includes("?"), false, "no query in url.full");
    assert.equal(upstream.statusCode, 0);
  });

  it("gives every request its own trace, streams included, and says it in the access log", async () => {
    const ids: string[] = [];
    for (const stream of [false, true]) {
      const res = await chat(
        gw.mesh.restUrl,
        { model: "priced", stream, messages: [{ role: "user", content: "hello" }] },
        { "x-request-id": `obs-${stream ? "stream" : "plain"}` },
      );
      assert.equal(res.status, 200, res.body);
    }
    for (const requestId of ["obs-plain", "obs-stream"]) {
      const line = await accessLine(lines, requestId);
      assert.equal(line.level, "info");
      assert.equal(line.status, 200);
      assert.equal(line.model, "priced");
      assert.equal(line.deployment, "priced/0");
      assert.equal(typeof line.latencyMs, "number");
      assert.match(String(line.traceId), /^[\da-f]{32}$/);
      ids.push(String(line.traceId));
    }
    assert.notEqual(ids[0], ids[1], "one trace per request");
    for (const id of ids) {
      await waitForTrace(otlp, id, "");
      const spans = otlp.spans.filter((s) => s.traceId === id);
      const root = spans.find((s) => s.parentSpanId === "");
      assert.ok(root, "the ingress starts the trace when the client sent none");
      connectedTrace(spans, id, "");
      assertChain(spans);
    }
    const streamed = otlp.spans.find((s) => s.traceId === ids[1] && s.kind === KIND.client && /^chat /.test(s.name));
    assert.equal(streamed?.attributes["gen_ai.request.stream"], true);
    assert.ok(Number(streamed?.attributes["gen_ai.usage.output_tokens"]) > 0);
  });

  it("traces and logs the gRPC API the same way, unary and streamed", async () => {
    const client = createClient(gw.mesh.grpcAddress);
    try {
      const request = create(llm.ChatCompletionRequestSchema, {
        model: "priced",
        messages: [{ role: llm.Role.USER, content: { case: "text", value: "hello over grpc" } }],
      });
      const { traceId, parentId, traceparent } = clientTrace();
      const md = (requestId: string, withTrace: boolean) => {
        const m = new grpc.Metadata();
        m.set("authorization", `Bearer ${virtualKey}`);
        m.set("x-request-id", requestId);
        if (withTrace) m.set("traceparent", traceparent);
        return m;
      };
      await callUnary(
        client,
        gateway.GatewayService.method.createChatCompletion,
        create(gateway.CreateChatCompletionRequestSchema, { request }),
        { metadata: md("obs-grpc", true) },
      );
      const stream = callStream(
        client,
        gateway.GatewayService.method.streamChatCompletion,
        create(gateway.StreamChatCompletionRequestSchema, { request }),
        { metadata: md("obs-grpc-stream", false) },
      );
      for await (const _ of stream as AsyncIterable<unknown>) {
        // drain
      }
      for (const requestId of ["obs-grpc", "obs-grpc-stream"]) {
        const line = await accessLine(lines, requestId);
        assert.equal(line.protocol, "grpc");
        assert.equal(line.status, 200);
        assert.equal(line.grpcStatus, 0);
        assert.equal(line.model, "priced");
        assert.equal(line.keyAlias, "obs-search");
        assert.equal(line.deployment, "priced/0");
        assert.match(String(line.traceId), /^[\da-f]{32}$/);
      }
      assert.equal((await accessLine(lines, "obs-grpc")).traceId, traceId);
      await waitForTrace(otlp, traceId, parentId);
      const spans = connectedTrace(otlp.spans, traceId, parentId);
      const root = find(spans, "switchyard-ingress", KIND.server, /GatewayService\/CreateChatCompletion$/);
      assert.equal(root.parentSpanId, parentId);
      find(spans, "switchyard-provider-worker", KIND.client, /^chat gpt-4o$/);
    } finally {
      client.close();
    }
  });

  it("logs the key alias of a virtual key, never a key, in any line of any process", async () => {
    const res = await chat(
      gw.mesh.restUrl,
      { model: "priced", messages: [{ role: "user", content: "x" }] },
      {
        authorization: `Bearer ${virtualKey}`,
        "x-request-id": "obs-alias",
      },
    );
    assert.equal(res.status, 200);
    const denied = await chat(
      gw.mesh.restUrl,
      { model: "priced", messages: [] },
      {
        authorization: "Bearer sk-not-a-real-key-0123456789",
        "x-request-id": "obs-denied",
      },
    );
    assert.equal(denied.status, 401);
    const line = await accessLine(lines, "obs-alias");
    assert.equal(line.keyAlias, "obs-search");
    assert.match(String(line.keyId), /\S/);
    assert.equal((await accessLine(lines, "obs-denied")).status, 401);
    // Every process logs at debug here, the worker's upstream calls included.
    assert.ok(
      lines.some((l) => l.name === "provider-worker" && l.line.includes('"level":"debug"')),
      "debug logs",
    );
    for (const secret of [MASTER_KEY, virtualKey, OPENAI_KEY, "sk-not-a-real-key-0123456789"]) {
      const leak = lines.find((l) => l.line.includes(secret));
      assert.equal(leak, undefined, `a log line of ${leak?.name} holds a key: ${leak?.line.slice(0, 300)}`);
    }
  });

  it("serves the GenAI request, token and cost metrics, policy decisions and metering lag", async () => {
    const scrape = async (url: string) => (await (await fetch(url)).text()).split("\n");
    const has = (text: string[], pattern: RegExp) =>
      assert.ok(
        text.some((l) => pattern.test(l)),
        `no ${pattern}`,
      );
    const ingress = await scrape(ingressMetricsUrl);
    has(
      ingress,
      /^gen_ai_server_request_duration_seconds_count\{.*gen_ai_request_model="priced".*status="200".*\} [1-9]/,
    );
    has(ingress, /^gen_ai_server_request_duration_seconds_count\{.*deployment="priced\/0".*\}/);
    has(ingress, /^gen_ai_server_time_to_first_token_seconds_count\{.*gen_ai_request_model="priced".*\} [1-9]/);
    has(ingress, /^switchyard_ingress_requests_in_flight\{.*\} \d/);
    const proc = (name: string) => gw.mesh.processes.find((p) => p.name === name);
    const worker = [
      ...(await scrape(`${proc("provider-worker")?.httpUrl}/metrics`)),
      ...(await scrape(`${gw.mesh.processes.filter((p) => p.name === "provider-worker")[1]?.httpUrl}/metrics`)),
    ];
    has(
      worker,
      /^gen_ai_client_token_usage_count\{.*gen_ai_request_model="priced".*gen_ai_token_type="output".*\} [1-9]/,
    );
    has(worker, /^gen_ai_client_operation_duration_seconds_count\{.*gen_ai_provider_name="openai".*\} [1-9]/);
    has(worker, /^switchyard_cost_usd_total\{.*gen_ai_request_model="priced".*\} 0\.0\d*[1-9]/);
    has(worker, /^switchyard_worker_requests_in_flight\{.*\} 0/);
    has(
      await scrape(`${proc("policy")?.httpUrl}/metrics`),
      /^switchyard_policy_decisions_total\{.*decision="allow".*\} [1-9]/,
    );
    const metering = await scrape(`${proc("metering")?.httpUrl}/metrics`);
    has(metering, /^switchyard_metering_lag_seconds\{.*\} \d/);
    has(metering, /^switchyard_metering_events_stored_total\{.*\} [1-9]/);
    for (const text of [ingress, worker]) {
      assert.equal(
        text.filter((l) => l.includes(virtualKey) || l.includes("obs-")).length,
        0,
        "no keys or request ids",
      );
    }
  });
});
