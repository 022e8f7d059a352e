import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { readEventStream } from "../aws/event-stream.js";
import { encodeEventStream, type FixtureMessage } from "../aws/testkit.js";
import { collect, fixture } from "../testkit.js";
import { type AnswerContext, finishReasonOf, fromConverseResponse } from "./chat-response.js";
import { ConverseStreamTranslator } from "./chat-stream.js";

const dep = { provider: "bedrock", id: "bedrock-test/0" } as const;
const answer: AnswerContext = { id: "chatcmpl-1", created: 1700000000, model: "anthropic.claude-x", jsonMode: false };

async function* bytes(buffer: Buffer): AsyncGenerator<Uint8Array> {
  yield buffer;
}

/** Translates a stream fixture as the adapter does, stopping after the metadata event. */
async function translate(
  source: string | FixtureMessage[],
  context: AnswerContext = answer,
): Promise<llm.ChatCompletionChunk[]> {
  const events =
    typeof source === "string" ? (JSON.parse(fixture(import.meta.url, source)) as FixtureMessage[]) : source;
  const messages = readEventStream(bytes(encodeEventStream(events)), {
    fail: (err) => GatewayError.from(err),
    malformed: (what) => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: what }),
  });
  const translator = new ConverseStreamTranslator(context, dep);
  const out: llm.ChatCompletionChunk[] = [];
  for (const message of await collect(messages)) {
    out.push(...translator.translate(message));
    if (translator.finished) break;
  }
  return out;
}

describe("bedrock responses", () => {
  it("translates text and tool use, with cache tokens counted in the prompt", () => {
    const out = fromConverseResponse(JSON.parse(fixture(import.meta.url, "response.json")), answer, dep);
    assert.deepEqual([out.id, out.created, out.model], ["chatcmpl-1", 1700000000, "anthropic.claude-x"]);
    const choice = out.choices[0]!;
    assert.equal(choice.finishReason, "tool_calls");
    assert.equal(choice.message?.content, "Let me check the weather for you.");
    assert.deepEqual(
      choice.message?.toolCalls.map((c) => [c.id, c.type, c.function?.name, c.function?.arguments]),
      [["tooluse_Yl3ZNeyrRuSFBSTJ2ayYIw", "function", "get_weather", '{"city":"Paris"}']],
    );
    const u = out.usage!;
    assert.deepEqual(
      [u.promptTokens, u.completionTokens, u.totalTokens, u.cachedTokens, u.cacheCreationTokens],
      [2470, 58, 2528, 2000, 50],
    );
  });

  it("returns the JSON tool's input as the content in JSON mode", () => {
    const out = fromConverseResponse(
      JSON.parse(fixture(import.meta.url, "response-json.json")),
      { ...answer, jsonMode: true },
      dep,
    );
    assert.equal(out.choices[0]?.message?.content, '{"city":"Paris","temperature_c":18}');
    assert.equal(out.choices[0]?.message?.toolCalls.length, 0);
    assert.equal(out.choices[0]?.finishReason, "stop");
  });

  it("maps every stop reason", () => {
    const table: [string, string][] = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["tool_use", "tool_calls"],
      ["max_tokens", "length"],
      ["model_context_window_exceeded", "length"],
      ["guardrail_intervened", "content_filter"],
      ["content_filtered", "content_filter"],
    ];
    for (const [reason, finish] of table) assert.equal(finishReasonOf(reason, false), finish, reason);
  });

  it("refuses a body that is not a Converse answer", () => {
    assert.throws(
      () => fromConverseResponse({ message: "x" }, answer, dep),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
    );
  });
});

describe("bedrock stream translation", () => {
  it("yields role, text deltas, the finish chunk, then one usage chunk", async () => {
    const chunks = await translate("stream.events.json");
    assert.deepEqual(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    const last = chunks.at(-1)!;
    assert.equal(last.choices.length, 0);
    assert.deepEqual(
      [last.usage?.promptTokens, last.usage?.completionTokens, last.usage?.cachedTokens],
      [112, 15, 100],
    );
    assert.ok(chunks.every((c) => c.id === "chatcmpl-1" && c.model === "anthropic.claude-x"));
  });

  it("streams tool calls: id and name first, then argument pieces", async () => {
    const chunks = await translate("stream-tools.events.json");
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.deepEqual(
      calls.map((c) => [c.index, c.id, c.type, c.name, c.arguments]),
      [
        [0, "tooluse_stream1", "function", "get_weather", ""],
        [0, undefined, undefined, undefined, '{"city":'],
        [0, undefined, undefined, undefined, '"Paris"}'],
      ],
    );
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
  });

  it("streams the JSON tool's input as content in JSON mode", async () => {
    const start = { toolUse: { toolUseId: "tooluse_j", name: "json_tool_call" } };
    const chunks = await translate(
      [
        { event: "messageStart", payload: { role: "assistant" } },
        { event: "contentBlockStart", payload: { contentBlockIndex: 0, start } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { toolUse: { input: '{"a":' } } } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { toolUse: { input: "1}" } } } },
        { event: "messageStop", payload: { stopReason: "tool_use" } },
        { event: "metadata", payload: { usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } } },
      ],
      { ...answer, jsonMode: true },
    );
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), '{"a":1}');
    assert.ok(chunks.every((c) => (c.choices[0]?.delta?.toolCalls ?? []).length === 0));
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
  });

  it("throws the classified exception of a stream that fails midway", async () => {
    await assert.rejects(translate("stream-error.events.json"), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, llm.ErrorClass.RATE_LIMITED);
      assert.equal(err.detail.httpStatus, 429);
      return true;
    });
  });
});
