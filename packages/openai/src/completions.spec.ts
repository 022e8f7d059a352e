import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  completionRequestToJson,
  parseCompletionRequest,
  parseCompletionResponse,
  renderCompletion,
  renderCompletionChunk,
} from "./completions.js";

function paramOf(body: unknown): string {
  try {
    parseCompletionRequest(body);
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
    return err.detail.param;
  }
  assert.fail("expected a GatewayError");
}

describe("text completions requests", () => {
  it("reads every prompt form and the modelled fields, keeping the rest for the upstream", () => {
    const req = parseCompletionRequest({
      model: "instruct",
      prompt: "Say this is a test",
      suffix: "!",
      max_tokens: 7,
      temperature: 0.5,
      top_p: 1,
      n: 2,
      stop: "\n",
      echo: true,
      logprobs: 2,
      seed: 9,
      user: "u",
      best_of: 3,
      metadata: { tags: ["a"] },
      fallbacks: ["other"],
    });
    assert.deepEqual(req.prompts, ["Say this is a test"]);
    assert.equal(req.suffix, "!");
    assert.deepEqual(req.stop, ["\n"]);
    assert.equal(req.seed, 9n);
    assert.deepEqual(req.tags, ["a"]);
    assert.deepEqual(req.fallbacks, ["other"]);
    assert.deepEqual(JSON.parse(req.extraJson), { best_of: 3 });
    assert.deepEqual(completionRequestToJson(req, "gpt-3.5-turbo-instruct"), {
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say this is a test",
      suffix: "!",
      max_tokens: 7,
      temperature: 0.5,
      top_p: 1,
      n: 2,
      stop: ["\n"],
      echo: true,
      logprobs: 2,
      seed: 9,
      user: "u",
      best_of: 3,
    });
    assert.deepEqual(parseCompletionRequest({ model: "m", prompt: ["a", "b"] }).prompts, ["a", "b"]);
    const ids = parseCompletionRequest({ model: "m", prompt: [1, 2, 3] });
    assert.deepEqual(completionRequestToJson(ids, "m").prompt, [1, 2, 3]);
    const many = parseCompletionRequest({ model: "m", prompt: [[1], [2, 3]] });
    assert.deepEqual(completionRequestToJson(many, "m").prompt, [[1], [2, 3]]);
  });

  it("reads stream and stream_options, and always asks a streamed upstream for usage", () => {
    const streamed = parseCompletionRequest({
      model: "m",
      prompt: "x",
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
    });
    assert.equal(streamed.stream, true);
    assert.equal(streamed.includeUsage, true);
    assert.deepEqual(completionRequestToJson(streamed, "up"), {
      model: "up",
      prompt: "x",
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
    });
    const plain = parseCompletionRequest({ model: "m", prompt: "x", stream: true });
    assert.equal(plain.includeUsage, false);
    assert.deepEqual(completionRequestToJson(plain, "up").stream_options, { include_usage: true });
    // stream_options without stream is ignored, as for chat.
    const unary = parseCompletionRequest({ model: "m", prompt: "x", stream_options: { include_usage: true } });
    assert.equal(unary.includeUsage, false);
    assert.equal(completionRequestToJson(unary, "up").stream, undefined);
  });

  it("names every bad field", () => {
    assert.equal(paramOf({ prompt: "x" }), "model");
    assert.equal(paramOf({ model: "m" }), "prompt");
    assert.equal(paramOf({ model: "m", prompt: 5 }), "prompt");
    assert.equal(paramOf({ model: "m", prompt: [] }), "prompt");
    assert.equal(paramOf({ model: "m", prompt: ["a", 5] }), "prompt[1]");
    assert.equal(paramOf({ model: "m", prompt: [[1], []] }), "prompt[1]");
    assert.equal(paramOf({ model: "m", prompt: "x", temperature: 3 }), "temperature");
    assert.equal(paramOf({ model: "m", prompt: "x", logprobs: 6 }), "logprobs");
    assert.equal(paramOf({ model: "m", prompt: "x", n: 0 }), "n");
    assert.equal(paramOf({ model: "m", prompt: "x", stop: [1] }), "stop[0]");
    assert.equal(paramOf({ model: "m", prompt: "x", echo: "yes" }), "echo");
    assert.equal(paramOf({ model: "m", prompt: "x", stream: "yes" }), "stream");
    assert.equal(paramOf({ model: "m", prompt: "x", stream: true, stream_options: [] }), "stream_options");
  });
});

describe("text completions answers", () => {
  it("reads an upstream answer and renders OpenAI's text_completion", () => {
    const parsed = parseCompletionResponse({
      id: "cmpl-1",
      object: "text_completion",
      created: 1_700_000_000,
      model: "gpt-3.5-turbo-instruct",
      choices: [
        { text: "hi", index: 0, logprobs: null, finish_reason: "length" },
        { text: "yo", index: 1, logprobs: { tokens: ["yo"], token_logprobs: [-1] }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    assert.deepEqual(JSON.parse(renderCompletion(parsed)), {
      id: "cmpl-1",
      object: "text_completion",
      created: 1_700_000_000,
      model: "gpt-3.5-turbo-instruct",
      choices: [
        { text: "hi", index: 0, logprobs: null, finish_reason: "length" },
        { text: "yo", index: 1, logprobs: { tokens: ["yo"], token_logprobs: [-1] }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it("renders a missing finish_reason as stop and a malformed answer as retryable", () => {
    const res = create(llm.CompletionSchema, { id: "x", choices: [{ text: "a" }] });
    const json = JSON.parse(renderCompletion(res));
    assert.equal(json.choices[0].finish_reason, "stop");
    assert.deepEqual(json.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    assert.throws(
      () => parseCompletionResponse({ choices: "nope" }),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
    );
  });

  it("reads stream chunks (finish_reason null until the last piece) and renders them as OpenAI streams them", () => {
    const piece = parseCompletionResponse({
      id: "cmpl-2",
      object: "text_completion",
      created: 1_700_000_001,
      model: "gpt-3.5-turbo-instruct",
      choices: [{ text: " wor", index: 0, logprobs: null, finish_reason: null }],
      usage: null,
    });
    assert.equal(piece.choices[0]?.finishReason, "");
    assert.equal(piece.usage, undefined);
    assert.deepEqual(JSON.parse(renderCompletionChunk(piece)), {
      id: "cmpl-2",
      object: "text_completion",
      created: 1_700_000_001,
      model: "gpt-3.5-turbo-instruct",
      choices: [{ text: " wor", index: 0, logprobs: null, finish_reason: null }],
    });
    const last = parseCompletionResponse({
      id: "cmpl-2",
      object: "text_completion",
      created: 1_700_000_001,
      model: "gpt-3.5-turbo-instruct",
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    assert.deepEqual(JSON.parse(renderCompletionChunk(last)), {
      id: "cmpl-2",
      object: "text_completion",
      created: 1_700_000_001,
      model: "gpt-3.5-turbo-instruct",
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });
});
