import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, beforeEach, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { tracing } from "@switchyard/runtime";
import { openaiAdapter } from "./openai/index.js";
import { collect, type LocalUpstream, startUpstream, testContext, testDeployment, testDispatcher } from "./testkit.js";
import { genAiProvider, traceAdapter } from "./upstream-span.js";

/** An OpenAI fixture (specs run from dist/, fixtures stay in src/). */
/** An OpenAI fixture (specs run from dist/, fixtures stay in src/). */
const fixture = (name: string) => new URL(`../../src/providers/openai/testdata/${name}`, import.meta.url);

describe("the upstream span", () => {
  const exporter = new tracing.InMemorySpanExporter();
  const dispatcher = testDispatcher();
  const adapter = traceAdapter(openaiAdapter);
  let upstream: LocalUpstream;
  const request = create(llm.ChatCompletionRequestSchema, {
    model: "gpt-4o",
    messages: [{ role: llm.Role.USER, content: { case: "text", value: "what is it?" } }],
    temperature: 0.25,
    maxTokens: 64,
  });
  const ctx = () =>
    testContext(testDeployment("openai", { model: "gpt-4o", apiBase: `${upstream.url}/v1` }), dispatcher, {
      apiKey: "sk-span-spec",
    });
  const inRoot = <T>(fn: () => Promise<T>) =>
    tracing.tracer().startActiveSpan("worker call", async (root) => {
      try {
        return await fn();
      } finally {
        root.end();
      }
    });
  const upstreamSpan = () => {
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === tracing.SpanKind.CLIENT);
    assert.equal(spans.length, 1);
    return spans[0] as tracing.ReadableSpan;
  };

  before(async () => {
    assert.equal(tracing.startTracing("spec", {}, { exporter, asyncContext: true }).enabled, true);
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });
  beforeEach(() => exporter.reset());

  it("carries the GenAI request and response attributes of a completion", async () => {
    upstream.handle((_req, res) => res.writeHead(200).end(readFileSync(fixture("response.json"))));
    await inRoot(() => adapter.chat(request, ctx()));
    const span = upstreamSpan();
    assert.equal(span.name, "chat gpt-4o");
    assert.equal(
      span.parentSpanContext?.spanId,
      exporter
        .getFinishedSpans()
        .find((s) => s.name === "worker call")
        ?.spanContext().spanId,
    );
    assert.deepEqual(
      {
        operation: span.attributes["gen_ai.operation.name"],
        provider: span.attributes["gen_ai.provider.name"],
        system: span.attributes["gen_ai.system"],
        model: span.attributes["gen_ai.request.model"],
        temperature: span.attributes["gen_ai.request.temperature"],
        maxTokens: span.attributes["gen_ai.request.max_tokens"],
        responseModel: span.attributes["gen_ai.response.model"],
        responseId: span.attributes["gen_ai.response.id"],
        finish: span.attributes["gen_ai.response.finish_reasons"],
        input: span.attributes["gen_ai.usage.input_tokens"],
        output: span.attributes["gen_ai.usage.output_tokens"],
        status: span.attributes["http.response.status_code"],
        address: span.attributes["server.address"],
      },
      {
        operation: "chat",
        provider: "openai",
        system: "openai",
        model: "gpt-4o",
        temperature: 0.25,
        maxTokens: 64,
        responseModel: "gpt-4o-2024-08-06",
        responseId: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        finish: ["stop"],
        input: 19,
        output: 10,
        status: 200,
        address: "127.0.0.1",
      },
    );
    assert.equal(String(span.attributes["url.full"]).endsWith("/v1/chat/completions"), true);
    assert.equal(span.status.code, tracing.SpanStatusCode.UNSET);
  });

  it("covers a whole stream and records its usage and time to first chunk", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "text/event-stream" }).end(readFileSync(fixture("stream.sse"))),
    );
    const chunks = await inRoot(() => collect(adapter.streamChat(request, ctx())));
    assert.ok(chunks.length > 2);
    const span = upstreamSpan();
    assert.equal(span.attributes["gen_ai.request.stream"], true);
    assert.equal(span.attributes["gen_ai.response.model"], "gpt-4o-2024-08-06");
    assert.ok(Number(span.attributes["gen_ai.usage.output_tokens"]) > 0);
    assert.ok(Number(span.attributes["gen_ai.response.time_to_first_chunk"]) >= 0);
  });

  it("marks a refused call failed with the upstream status", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(429, { "content-type": "application/json" }).end('{"error":{"message":"slow down sk-span-spec"}}'),
    );
    await assert.rejects(inRoot(() => adapter.chat(request, ctx())));
    const span = upstreamSpan();
    assert.equal(span.status.code, tracing.SpanStatusCode.ERROR);
    assert.equal(span.attributes["http.response.status_code"], 429);
    assert.equal(String(span.status.message).includes("sk-span-spec"), false, "the key never reaches a span");
  });

  it("records nothing for a call made outside a trace", async () => {
    upstream.handle((_req, res) => res.writeHead(200).end(readFileSync(fixture("response.json"))));
    await adapter.chat(request, ctx());
    assert.deepEqual(exporter.getFinishedSpans(), []);
  });

  it("names providers as the conventions do", () => {
    assert.equal(genAiProvider("bedrock"), "aws.bedrock");
    assert.equal(genAiProvider("vertex_ai"), "gcp.vertex_ai");
    assert.equal(genAiProvider("mock"), "mock");
  });
});
