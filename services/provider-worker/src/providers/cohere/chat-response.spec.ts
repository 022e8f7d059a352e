import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { readSse } from "../sse.js";
import { collect, fixture } from "../testkit.js";
import { fromCohereResponse } from "./chat-response.js";
import { CohereChunkTranslator } from "./chat-stream.js";

const dep = { provider: "cohere", id: "cohere-test/0" } as const;
const parse = (name: string) =>
  fromCohereResponse(JSON.parse(fixture(import.meta.url, name)), 1_700_000_000, "command-a-03-2025", dep);

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** Every chunk a recorded stream translates to, up to and including message-end. */
async function translate(name: string): Promise<llm.ChatCompletionChunk[]> {
  const events = readSse(bytes(fixture(import.meta.url, name)), {
    fail: (err) => GatewayError.from(err),
    tooLarge: () => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "too large" }),
  });
  const translator = new CohereChunkTranslator(1_700_000_000, "command-a-03-2025", dep);
  const chunks: llm.ChatCompletionChunk[] = [];
  for (const event of await collect(events)) {
    if (translator.finished) break;
    chunks.push(...translator.translate(event));
  }
  assert.ok(translator.finished);
  return chunks;
}

describe("cohere responses", () => {
  it("parses a completion with its billed usage", () => {
    const out = parse("response.json");
    assert.equal(out.id, "chatcmpl-c14c80c3-18eb-4519-9460-6c92edd8cfb4");
    assert.equal(out.model, "command-a-03-2025");
    assert.equal(out.choices[0]?.message?.content, "An LLM is a large language model.");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [5, 9, 14]);
  });

  it("parses tool calls, the tool plan as content and thinking as reasoning", () => {
    const out = parse("response-tools.json");
    const message = out.choices[0]?.message;
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(message?.content, "I will look up the weather in Toronto.");
    assert.equal(message?.reasoningContent, "The user wants the weather.");
    assert.equal(message?.toolCalls[0]?.id, "get_weather_1byjy32y4hvq");
    const fn = message?.toolCalls[0]?.function;
    assert.deepEqual([fn?.name, fn?.arguments], ["get_weather", '{"location":"Toronto"}']);
    assert.equal(out.usage?.promptTokens, 37);
  });

  it("throws a failed generation as UNAVAILABLE, and a body that is not a chat response as well", () => {
    const unavailable = (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE;
    assert.throws(() => parse("response-error.json"), unavailable);
    assert.throws(() => fromCohereResponse({ message: "oops" }, 0, "m", dep), unavailable);
  });

  it("maps every finish reason", () => {
    const finish = (reason: string) =>
      fromCohereResponse({ id: "x", message: {}, finish_reason: reason }, 0, "m", dep).choices[0]?.finishReason;
    assert.deepEqual(["COMPLETE", "STOP_SEQUENCE", "MAX_TOKENS", "TOOL_CALL", "CONTENT_BLOCKED"].map(finish), [
      "stop",
      "stop",
      "length",
      "tool_calls",
      "content_filter",
    ]);
    assert.throws(
      () => finish("TIMEOUT"),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.TIMEOUT,
    );
  });
});

describe("cohere stream translation", () => {
  it("translates a text stream into OpenAI chunks ending with usage", async () => {
    const chunks = await translate("stream.sse");
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.ok(chunks.every((c) => c.id === "chatcmpl-29f14a5a-11de-4cae-9800-25e4747408ed"));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cät 🐈.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [19, 10]);
  });

  it("translates thinking, the tool plan and two tool calls with their argument pieces", async () => {
    const chunks = await translate("stream-tools.sse");
    const deltas = chunks.flatMap((c) => (c.choices[0]?.delta ? [c.choices[0].delta] : []));
    assert.equal(deltas.map((d) => d.reasoningContent ?? "").join(""), "Weather needs a tool.");
    assert.equal(deltas.map((d) => d.content ?? "").join(""), "I will check the weather.");
    const calls = deltas.flatMap((d) => d.toolCalls);
    assert.deepEqual(
      calls.filter((c) => c.id).map((c) => [c.index, c.id, c.type, c.name]),
      [
        [0, "get_weather_nsz5zm3w56q3", "function", "get_weather"],
        [1, "get_time_a8c1", "function", "get_time"],
      ],
    );
    const args = (index: number) =>
      calls
        .filter((c) => c.index === index)
        .map((c) => c.arguments ?? "")
        .join("");
    assert.deepEqual([args(0), args(1)], ['{"location":"Toronto"}', '{"tz":"EST"}']);
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
    assert.equal(chunks.at(-1)?.usage?.promptTokens, 50);
  });

  it("throws UNAVAILABLE when message-end reports a failed generation", async () => {
    await assert.rejects(
      translate("stream-error.sse"),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
    );
  });
});
