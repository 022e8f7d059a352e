import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { readSse } from "../sse.js";
import { collect, fixture } from "../testkit.js";
import { finishReasonOf, fromMessagesResponse } from "./chat-response.js";
import { ChunkTranslator } from "./chat-stream.js";

const dep = { provider: "anthropic", id: "anthropic-test/0" } as const;

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** Translates a whole SSE fixture with the pure translator. */
async function translateFixture(name: string): Promise<llm.ChatCompletionChunk[]> {
  const translator = new ChunkTranslator(1_700_000_000, dep);
  const events = readSse(bytes(fixture(import.meta.url, name)), {
    fail: (err) => GatewayError.from(err),
    tooLarge: () => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "too large" }),
  });
  return (await collect(events)).flatMap((e) => translator.translate(e));
}

describe("anthropic fromMessagesResponse", () => {
  it("translates text, thinking, tool_use, stop reason and cache-aware usage", () => {
    const out = fromMessagesResponse(JSON.parse(fixture(import.meta.url, "response.json")), 1_700_000_000, dep);
    assert.equal(out.id, "chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL");
    assert.equal(out.created, 1_700_000_000);
    assert.equal(out.model, "claude-sonnet-4-20250514");
    const choice = out.choices[0]!;
    assert.equal(choice.finishReason, "tool_calls");
    assert.equal(choice.message?.content, "Let me check the weather.");
    assert.equal(choice.message?.reasoningContent, "The user wants the weather.");
    assert.deepEqual(
      choice.message?.toolCalls.map((t) => [t.id, t.type, t.function?.name, t.function?.arguments]),
      [["toolu_01T1x1fJ34qAmk2tNTrN7Up6", "function", "get_weather", '{"city":"Paris","unit":"celsius"}']],
    );
    const u = out.usage!;
    assert.deepEqual(
      [u.promptTokens, u.completionTokens, u.totalTokens, u.cachedTokens, u.cacheCreationTokens],
      [2620, 89, 2709, 2048, 100],
    );
  });

  it("leaves content null when there is no text", () => {
    const out = fromMessagesResponse(
      { id: "msg_1", model: "m", content: [], stop_reason: "max_tokens", usage: { input_tokens: 1, output_tokens: 2 } },
      0,
      dep,
    );
    assert.equal(out.choices[0]?.message?.content, undefined);
    assert.equal(out.choices[0]?.finishReason, "length");
  });

  it("maps stop reasons", () => {
    assert.deepEqual(["end_turn", "stop_sequence", "max_tokens", "tool_use", "refusal", null].map(finishReasonOf), [
      "stop",
      "stop",
      "length",
      "tool_calls",
      "content_filter",
      "stop",
    ]);
  });

  it("refuses a body that is not a message", () => {
    assert.throws(
      () => fromMessagesResponse({ type: "error" }, 0, dep),
      (err: unknown) => {
        return err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE;
      },
    );
  });
});

describe("anthropic stream translation", () => {
  it("yields role, content deltas, finish_reason and a usage chunk", async () => {
    const chunks = await translateFixture("stream.sse");
    assert.ok(chunks.every((c) => c.id === "chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL" && c.created === 1_700_000_000));
    assert.ok(chunks.every((c) => c.model === "claude-sonnet-4-20250514"));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    assert.equal(text, "Hello, wörld 👋!");
    const finish = chunks.at(-2)!;
    assert.equal(finish.choices[0]?.finishReason, "stop");
    const last = chunks.at(-1)!;
    assert.equal(last.choices.length, 0);
    assert.deepEqual([last.usage?.promptTokens, last.usage?.completionTokens, last.usage?.cachedTokens], [35, 15, 10]);
    assert.equal(last.usage?.totalTokens, 50);
  });

  it("streams thinking and tool calls as ToolCallDelta, name first then argument pieces", async () => {
    const chunks = await translateFixture("stream-tools.sse");
    const reasoning = chunks.map((c) => c.choices[0]?.delta?.reasoningContent ?? "").join("");
    assert.equal(reasoning, "Need the weather tool.");
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.deepEqual(
      calls.map((t) => [t.index, t.id, t.type, t.name, t.arguments]),
      [
        [0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "function", "get_weather", ""],
        [0, undefined, undefined, undefined, ""],
        [0, undefined, undefined, undefined, '{"city": "Par'],
        [0, undefined, undefined, undefined, 'is"}'],
        [1, "toolu_02", "function", "get_time", ""],
        [1, undefined, undefined, undefined, "{}"],
      ],
    );
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 89);
  });

  it("throws the classified error of an error event", async () => {
    await assert.rejects(translateFixture("stream-error.sse"), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, llm.ErrorClass.UNAVAILABLE);
      return true;
    });
  });
});
