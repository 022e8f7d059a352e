import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertChatCompletion,
  assertChatCompletionChunk,
  assertCompletionChunk,
  assertErrorResponse,
  assertModelList,
  assertSchema,
} from "./conformance.js";

// Bodies as OpenAI sends them (gpt-4o-mini, 2025), including the nulls and usage details real clients see.
const completion = {
  id: "chatcmpl-BzQ4mM8d5nVxYt1pKq2RjL0aHcE3f",
  object: "chat.completion",
  created: 1753900000,
  model: "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello! How can I help you today?", refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: {
    prompt_tokens: 9,
    completion_tokens: 9,
    total_tokens: 18,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  service_tier: "default",
  system_fingerprint: "fp_34a54ae93c",
};

const toolCallCompletion = {
  ...completion,
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_Xq0b8KQmB6s4pZ2YtU1n9vRe",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
};

const chunkBase = {
  id: "chatcmpl-BzQ4mM8d5nVxYt1pKq2RjL0aHcE3f",
  object: "chat.completion.chunk",
  created: 1753900000,
  model: "gpt-4o-mini-2024-07-18",
  service_tier: "default",
  system_fingerprint: "fp_34a54ae93c",
};
const firstChunk = {
  ...chunkBase,
  choices: [
    { index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
  ],
  usage: null,
  obfuscation: "Vd2kN",
};
const lastChunk = {
  ...chunkBase,
  choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }],
  usage: null,
  obfuscation: "q",
};
const usageChunk = { ...chunkBase, choices: [], usage: completion.usage, obfuscation: "a1B2c3" };

const modelList = {
  object: "list",
  data: [
    { id: "gpt-4o-mini", object: "model", created: 1721172741, owned_by: "system" },
    { id: "claude-sonnet", object: "model", created: 1677610602, owned_by: "switchyard" },
  ],
};

const error = {
  error: {
    message:
      "Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.",
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
  },
};

describe("conformance with the OpenAI OpenAPI document", () => {
  it("accepts real chat completions", () => {
    assertChatCompletion(completion);
    assertChatCompletion(toolCallCompletion);
  });

  it("accepts real stream chunks, including the usage-only last chunk", () => {
    assertChatCompletionChunk(firstChunk);
    assertChatCompletionChunk(lastChunk);
    assertChatCompletionChunk(usageChunk);
  });

  it("accepts a model list and an error", () => {
    assertModelList(modelList);
    assertErrorResponse(error);
    assertSchema("ErrorResponse", error);
  });

  it("rejects a completion without object, naming the missing property", () => {
    const { object: _, ...broken } = completion;
    assert.throws(() => assertChatCompletion(broken), {
      name: "AssertionError",
      message: /\(root\) must have required property 'object'/,
    });
  });

  it("rejects a string created and a choices object, with instance paths", () => {
    assert.throws(() => assertChatCompletion({ ...completion, created: "1753900000" }), {
      name: "AssertionError",
      message: /\/created must be integer/,
    });
    assert.throws(() => assertChatCompletion({ ...completion, choices: completion.choices[0] }), {
      message: /\/choices must be array/,
    });
    assert.throws(() => assertChatCompletionChunk({ ...usageChunk, choices: {} }), {
      message: /\/choices must be array/,
    });
  });

  it("rejects an unknown finish_reason and a chunk tagged as a completion", () => {
    const badReason = { ...lastChunk, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "done" }] };
    assert.throws(() => assertChatCompletionChunk(badReason), { message: /\/choices\/0\/finish_reason/ });
    assert.throws(() => assertChatCompletionChunk({ ...firstChunk, object: "chat.completion" }), {
      message: /\/object must be equal to one of the allowed values: \["chat.completion.chunk"\]/,
    });
  });

  it("rejects a model list without data and an error without message", () => {
    assert.throws(() => assertModelList({ object: "list" }), { message: /must have required property 'data'/ });
    assert.throws(() => assertErrorResponse({ error: { type: "x", param: null, code: null } }), {
      message: /\/error must have required property 'message'/,
    });
  });

  it("accepts streamed text completion chunks with a null finish_reason, and nothing else outside the schema", () => {
    const piece = {
      id: "cmpl-1",
      object: "text_completion",
      created: 1_700_000_000,
      model: "gpt-3.5-turbo-instruct",
      choices: [{ text: "Hi", index: 0, logprobs: null, finish_reason: null }],
    };
    assertCompletionChunk(piece);
    assertCompletionChunk({
      ...piece,
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    assert.throws(
      () => assertCompletionChunk({ ...piece, choices: [{ ...piece.choices[0], finish_reason: "done" }] }),
      {
        message: /\/choices\/0\/finish_reason/,
      },
    );
    assert.throws(() => assertCompletionChunk({ ...piece, choices: [{ ...piece.choices[0], text: null }] }), {
      message: /\/choices\/0\/text must be string/,
    });
    assert.throws(() => assertCompletionChunk({ ...piece, object: "chat.completion.chunk" }), { message: /\/object/ });
  });

  it("refuses a schema name the document does not define", () => {
    assert.throws(
      () => assertSchema("NoSuchSchema", {}),
      /expected a schema in components.schemas, got "NoSuchSchema"/,
    );
  });
});
