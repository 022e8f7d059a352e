import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { fixture, isErrorClass, testDeployment } from "../testkit.js";
import { finishReasonOf, fromGenerateContentResponse, toUsage } from "./chat-response.js";
import { GeminiChunkTranslator } from "./chat-stream.js";
import { splitToolCallId, THOUGHT_SIGNATURE_SEPARATOR, toolCallId } from "./tool-ids.js";

const { ErrorClass } = llm;
const dep = testDeployment("gemini", { model: "gemini-2.5-flash" });

/** The data of each frame of an SSE fixture. */
function frames(name: string): string[] {
  return fixture(import.meta.url, name)
    .split(/\r?\n\r?\n/)
    .filter((f) => f.startsWith("data: "))
    .map((f) => f.slice("data: ".length));
}

function translateAll(name: string): llm.ChatCompletionChunk[] {
  const translator = new GeminiChunkTranslator(1_700_000_000, dep);
  return [...frames(name).flatMap((f) => translator.translate(f)), ...translator.end()];
}

describe("gemini fromGenerateContentResponse", () => {
  it("translates text, thoughts, a function call with its signature, and usage", () => {
    const out = fromGenerateContentResponse(JSON.parse(fixture(import.meta.url, "response.json")), 1_700_000_000, dep);
    assert.equal(out.id, "chatcmpl-mK1eaNaKO5nY1e8P8MSxmQ4");
    assert.equal(out.created, 1_700_000_000);
    assert.equal(out.model, "gemini-2.5-flash");
    const choice = out.choices[0]!;
    assert.equal(choice.finishReason, "tool_calls");
    assert.equal(choice.message?.content, "Let me check.");
    assert.equal(choice.message?.reasoningContent, "The user wants the weather; call the tool.");
    const call = choice.message?.toolCalls[0];
    assert.equal(call?.type, "function");
    assert.equal(call?.function?.name, "get_weather");
    assert.equal(call?.function?.arguments, '{"city":"Paris"}');
    assert.match(call?.id ?? "", /^call_[0-9a-f]{24}__thought__CiQBVKhc7sig$/);
    assert.deepEqual(
      {
        prompt: out.usage?.promptTokens,
        completion: out.usage?.completionTokens,
        total: out.usage?.totalTokens,
        cached: out.usage?.cachedTokens,
        reasoning: out.usage?.reasoningTokens,
      },
      { prompt: 2620, completion: 125, total: 2745, cached: 2048, reasoning: 100 },
    );
  });

  it("keeps every candidate as a choice with its own finish reason", () => {
    const out = fromGenerateContentResponse(JSON.parse(fixture(import.meta.url, "response-two.json")), 1, dep);
    assert.deepEqual(
      out.choices.map((c) => [c.index, c.message?.content, c.finishReason]),
      [
        [0, "Bonjour", "stop"],
        [1, "Salut, ça va", "length"],
      ],
    );
  });

  it("throws CONTENT_POLICY for a blocked prompt and for an answer the filters stopped", () => {
    for (const name of ["response-blocked.json", "response-safety.json"]) {
      assert.throws(
        () => fromGenerateContentResponse(JSON.parse(fixture(import.meta.url, name)), 1, dep),
        (err: unknown) => {
          isErrorClass(ErrorClass.CONTENT_POLICY)(err);
          assert.match((err as GatewayError).message, /blocked \((SAFETY)\)/);
          assert.equal((err as GatewayError).detail.httpStatus, 400);
          return true;
        },
      );
    }
  });

  it("throws UNAVAILABLE for a body that is not a response", () => {
    assert.throws(() => fromGenerateContentResponse([], 1, dep), isErrorClass(ErrorClass.UNAVAILABLE));
    assert.throws(() => fromGenerateContentResponse({ candidates: [] }, 1, dep), isErrorClass(ErrorClass.UNAVAILABLE));
  });

  it("maps finish reasons onto OpenAI's", () => {
    assert.equal(finishReasonOf("STOP", false), "stop");
    assert.equal(finishReasonOf("STOP", true), "tool_calls");
    assert.equal(finishReasonOf("MAX_TOKENS", true), "length");
    for (const r of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]) {
      assert.equal(finishReasonOf(r, false), "content_filter", r);
    }
    assert.equal(finishReasonOf("MALFORMED_FUNCTION_CALL", false), "stop");
    assert.equal(finishReasonOf(undefined, false), "stop");
  });

  it("counts thinking and tool-use prompt tokens the OpenAI way", () => {
    const usage = toUsage({
      promptTokenCount: 100,
      toolUsePromptTokenCount: 20,
      candidatesTokenCount: 30,
      thoughtsTokenCount: 50,
      promptTokensDetails: [{ modality: "AUDIO", tokenCount: 40 }],
    });
    assert.deepEqual(
      [usage.promptTokens, usage.completionTokens, usage.totalTokens, usage.reasoningTokens, usage.promptAudioTokens],
      [120, 80, 200, 50, 40],
    );
  });
});

describe("gemini tool call ids", () => {
  it("carry the thought signature through the client and back", () => {
    const id = toolCallId(undefined, "sig+/=");
    assert.ok(id.includes(THOUGHT_SIGNATURE_SEPARATOR));
    assert.equal(splitToolCallId(id).signature, "sig+/=");
    assert.equal(toolCallId("fc_1", undefined), "fc_1");
    assert.deepEqual(splitToolCallId("call_abc"), { id: "call_abc" });
  });
});

describe("gemini GeminiChunkTranslator", () => {
  it("streams role, reasoning, content, finish and a usage chunk last", () => {
    const chunks = translateAll("stream.sse");
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.reasoningContent ?? "").join(""), "Weighing a greeting.");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    const last = chunks.at(-1)!;
    assert.equal(last.choices.length, 0);
    assert.deepEqual(
      [last.usage?.promptTokens, last.usage?.completionTokens, last.usage?.reasoningTokens, last.usage?.cachedTokens],
      [25, 27, 12, 10],
    );
    assert.ok(chunks.every((c) => c.id === "chatcmpl-Ws1eaKvhA4HY1e8P2ZmT6Q4" && c.model === "gemini-2.5-flash"));
  });

  it("streams each function call whole, with its own index, and finishes with tool_calls", () => {
    const chunks = translateAll("stream-tools.sse");
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.deepEqual(
      calls.map((c) => [c.index, c.type, c.name, c.arguments]),
      [
        [0, "function", "get_weather", '{"city":"Paris"}'],
        [1, "function", "get_time", '{"tz":"Europe/Paris"}'],
      ],
    );
    assert.match(calls[0]?.id ?? "", /__thought__CiQBVKhc7sig$/);
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
  });

  it("ends with content_filter when the filters stop an answer already under way", () => {
    const chunks = translateAll("stream-filtered.sse");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Once upon a time");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "content_filter");
  });

  it("throws CONTENT_POLICY before any chunk for a blocked prompt or a blocked first answer", () => {
    for (const name of ["stream-blocked.sse", "stream-safety.sse"]) {
      const translator = new GeminiChunkTranslator(1, dep);
      assert.throws(() => translator.translate(frames(name)[0]!), isErrorClass(ErrorClass.CONTENT_POLICY), name);
    }
  });

  it("throws the classified error of an error frame", () => {
    const translator = new GeminiChunkTranslator(1, dep);
    const [first, error] = frames("stream-error.sse");
    assert.ok(translator.translate(first!).length > 0);
    assert.throws(
      () => translator.translate(error!),
      (err: unknown) => {
        isErrorClass(ErrorClass.UNAVAILABLE)(err);
        assert.equal((err as GatewayError).detail.provider, "gemini");
        return true;
      },
    );
  });

  it("throws UNAVAILABLE for a stream cut before a finishReason, and for a frame that is not JSON", () => {
    const translator = new GeminiChunkTranslator(1, dep);
    translator.translate(frames("stream.sse")[1]!);
    assert.throws(() => translator.end(), isErrorClass(ErrorClass.UNAVAILABLE));
    assert.throws(() => new GeminiChunkTranslator(1, dep).translate("{"), isErrorClass(ErrorClass.UNAVAILABLE));
  });
});
