import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { callUnary, createConnectClient } from "./connect/client.js";
import { callStream } from "./connect/client-stream.js";
import { type Scripted, startScripted } from "./connect/testkit.js";
import { createLogger } from "./log.js";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SpanKind,
  SpanStatusCode,
  startTracing,
  tracer,
  tracingEnabled,
  tracingOffReason,
} from "./tracing.js";

describe("tracingOffReason", () => {
  it("is off without an endpoint, when disabled, and for other exporters", () => {
    assert.match(tracingOffReason({}) ?? "", /no OTLP endpoint/);
    assert.match(
      tracingOffReason({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }) ?? "",
      /DISABLED/,
    );
    assert.match(
      tracingOffReason({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" }) ?? "",
      /only otlp/,
    );
    assert.equal(tracingOffReason({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }), undefined);
    assert.equal(tracingOffReason({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" }), undefined);
  });

  it("starts nothing when the environment does not ask for it", () => {
    assert.deepEqual(startTracing("spec", {}), { enabled: false });
    assert.equal(tracingEnabled(), false);
  });
});

describe("trace context over Connect", () => {
  const exporter = new InMemorySpanExporter();
  let server: Scripted;
  let client: ReturnType<typeof createConnectClient>;
  before(async () => {
    assert.equal(startTracing("spec", {}, { exporter, asyncContext: true }).enabled, true);
    server = await startScripted();
    client = createConnectClient(server.address);
  });
  after(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(() => exporter.reset());

  const inRoot = <T>(fn: () => Promise<T>): Promise<T> =>
    tracer().startActiveSpan("root", async (root) => {
      try {
        return await fn();
      } finally {
        root.end();
      }
    });
  const byKind = (kind: SpanKind): ReadableSpan => {
    const span = exporter.getFinishedSpans().find((s) => s.kind === kind);
    assert.ok(span, `expected a span of kind ${SpanKind[kind]}`);
    return span;
  };
  const authorize = (credential: string) =>
    callUnary(client, policy.PolicyService.method.authorize, create(policy.AuthorizeRequestSchema, { credential }));

  it("continues the caller's trace on the server: root -> client span -> server span", async () => {
    await inRoot(() => authorize("ok"));
    const root = exporter.getFinishedSpans().find((s) => s.name === "root");
    const clientSpan = byKind(SpanKind.CLIENT);
    const serverSpan = byKind(SpanKind.SERVER);
    assert.equal(clientSpan.name, "switchyard.policy.v1.PolicyService/Authorize");
    assert.equal(clientSpan.attributes["rpc.system"], "connect_rpc");
    assert.equal(clientSpan.attributes["rpc.method"], "Authorize");
    assert.equal(clientSpan.parentSpanContext?.spanId, root?.spanContext().spanId);
    assert.equal(serverSpan.spanContext().traceId, root?.spanContext().traceId);
    assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
    assert.equal(serverSpan.status.code, SpanStatusCode.UNSET);
  });

  it("marks both ends failed with the error's class and Connect code", async () => {
    await inRoot(() => authorize("fail").catch(() => undefined));
    for (const span of [byKind(SpanKind.CLIENT), byKind(SpanKind.SERVER)]) {
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes["error.type"], "rate_limited");
      assert.equal(span.attributes["rpc.connect_rpc.error_code"], "resource_exhausted");
    }
  });

  it("traces server streams until they end", async () => {
    await inRoot(async () => {
      const stream = callStream(
        client,
        policy.PolicyService.method.watchInvalidations,
        create(policy.WatchInvalidationsRequestSchema),
      );
      for await (const _ of stream) {
        // drain
      }
    });
    const serverSpan = byKind(SpanKind.SERVER);
    assert.equal(serverSpan.parentSpanContext?.spanId, byKind(SpanKind.CLIENT).spanContext().spanId);
  });

  it("starts no trace for a call made outside one, and the server traces none", async () => {
    await authorize("ok");
    assert.deepEqual(exporter.getFinishedSpans(), []);
  });

  it("stamps the trace and span ids on log lines written inside a traced request, and only there", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const log = createLogger("spec", "info", sink);
    log.info({ requestId: "r1" }, "outside");
    tracer().startActiveSpan("root", (span) => {
      log.info({ requestId: "r2", authorization: "Bearer sk-secret" }, "inside");
      span.end();
    });
    log.info("outside again");
    assert.equal(lines[0]?.traceId, undefined);
    assert.equal(lines[0]?.requestId, "r1");
    assert.match(String(lines[1]?.traceId), /^[\da-f]{32}$/);
    assert.match(String(lines[1]?.spanId), /^[\da-f]{16}$/);
    assert.equal(lines[1]?.requestId, "r2");
    assert.equal(lines[1]?.authorization, "[redacted]");
    assert.equal(lines[2]?.traceId, undefined);
  });
});
