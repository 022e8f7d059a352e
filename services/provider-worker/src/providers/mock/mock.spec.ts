import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { collect, testContext, testDeployment, testDispatcher } from "../testkit.js";
import { estimateTokens, splitContent } from "./answer.js";
import { mockAdapter } from "./index.js";
import { DEFAULT_MOCK_CHUNKS, mockParams } from "./params.js";

const { Role, ErrorClass } = llm;
const dispatcher = testDispatcher();
after(() => dispatcher.close());

function request(init: MessageInitShape<typeof llm.ChatCompletionRequestSchema> = {}): llm.ChatCompletionRequest {
  const req = create(llm.ChatCompletionRequestSchema, init);
  if (req.messages.length === 0) {
    req.messages = [
      create(llm.MessageSchema, { role: Role.SYSTEM, content: { case: "text", value: "Be brief." } }),
      create(llm.MessageSchema, { role: Role.USER, content: { case: "text", value: "Hello mock" } }),
    ];
  }
  return req;
}

function ctx(params: Record<string, unknown> = {}, signal?: AbortSignal) {
  return testContext(testDeployment("mock", { model: "mock-1", params }), dispatcher, signal ? { signal } : {});
}

describe("mock params", () => {
  it("defaults every setting and clamps numbers", () => {
    assert.deepEqual(mockParams({}), {
      latencyMs: 0,
      ttftMs: 0,
      chunks: DEFAULT_MOCK_CHUNKS,
      failureRate: 0,
      failureStatus: 500,
    });
    assert.equal(mockParams({ mock_failure_rate: 3 }).failureRate, 1);
    assert.equal(mockParams({ mock_chunks: "3" }).chunks, 3);
  });
});

describe("mock adapter", () => {
  it("answers deterministically with estimated usage", async () => {
    const a = await mockAdapter.chat(request(), ctx());
    const b = await mockAdapter.chat(request(), ctx());
    const content = a.choices[0]?.message?.content ?? "";
    assert.equal(content, "This is a mock response. You said: Hello mock");
    assert.equal(b.choices[0]?.message?.content, content);
    assert.equal(a.model, "mock-1");
    assert.equal(a.choices[0]?.finishReason, "stop");
    assert.equal(a.usage?.promptTokens, estimateTokens("Be brief.Hello mock"));
    assert.equal(a.usage?.completionTokens, estimateTokens(content));
    assert.equal(a.usage?.totalTokens, (a.usage?.promptTokens ?? 0) + (a.usage?.completionTokens ?? 0));
  });

  it("uses mock_response and cuts at max_tokens with finish_reason length", async () => {
    const out = await mockAdapter.chat(request({ maxTokens: 2 }), ctx({ mock_response: "abcdefghijklmnop" }));
    assert.equal(out.choices[0]?.message?.content, "abcdefgh");
    assert.equal(out.choices[0]?.finishReason, "length");
  });

  it("streams the same answer in mock_chunks pieces, then finish and usage chunks", async () => {
    const chunks = await collect(mockAdapter.streamChat(request(), ctx({ mock_chunks: 4 })));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    const pieces = chunks.slice(1, -2).map((c) => c.choices[0]?.delta?.content);
    assert.equal(pieces.length, 4);
    assert.equal(pieces.join(""), "This is a mock response. You said: Hello mock");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.ok((chunks.at(-1)?.usage?.completionTokens ?? 0) > 0);
  });

  it("calls the forced tool with {} arguments", async () => {
    const tools = [{ type: "function", function: { name: "lookup" } }];
    const out = await mockAdapter.chat(
      request({ tools, toolChoice: { choice: { case: "mode", value: "required" } } }),
      ctx(),
    );
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.choices[0]?.message?.content, undefined);
    assert.deepEqual(
      out.choices[0]?.message?.toolCalls.map((t) => [t.id, t.function?.name, t.function?.arguments]),
      [["call_mock_0", "lookup", "{}"]],
    );
    const streamed = await collect(
      mockAdapter.streamChat(
        request({ tools, toolChoice: { choice: { case: "functionName", value: "lookup" } } }),
        ctx(),
      ),
    );
    const calls = streamed.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.deepEqual(
      calls.map((t) => [t.index, t.id, t.name, t.arguments]),
      [
        [0, "call_mock_0", "lookup", ""],
        [0, undefined, undefined, "{}"],
      ],
    );
  });

  it("fails with the classified error of mock_failure_status", async () => {
    const params = { mock_failure_rate: 1, mock_failure_status: 429 };
    await assert.rejects(mockAdapter.chat(request(), ctx(params)), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, ErrorClass.RATE_LIMITED);
      assert.equal(err.detail.retryAfterSeconds, 1);
      return true;
    });
    await assert.rejects(collect(mockAdapter.streamChat(request(), ctx({ mock_failure_rate: 1 }))), (err: unknown) => {
      return err instanceof GatewayError && err.errorClass === ErrorClass.UNAVAILABLE;
    });
  });

  it("waits mock_latency_ms and honours an abort promptly", async () => {
    const started = Date.now();
    await mockAdapter.chat(request(), ctx({ mock_latency_ms: 60 }));
    assert.ok(Date.now() - started >= 55);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const slow = collect(
      mockAdapter.streamChat(request(), ctx({ mock_ttft_ms: 5, mock_latency_ms: 10_000 }, controller.signal)),
    );
    const aborted = Date.now();
    await assert.rejects(
      slow,
      (err: unknown) => err instanceof GatewayError && err.errorClass === ErrorClass.CANCELLED,
    );
    assert.ok(Date.now() - aborted < 1000);
  });

  it("splits by code point", () => {
    assert.deepEqual(splitContent("👋👋👋", 2), ["👋👋", "👋"]);
    assert.deepEqual(splitContent("", 8), []);
  });
});
