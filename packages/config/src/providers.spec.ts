import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { routeModel, UNSUPPORTED_PROVIDERS } from "./providers.js";
import { PROVIDER_IDS } from "./types.js";

describe("routeModel", () => {
  const cases: [string, ReturnType<typeof routeModel>][] = [
    ["openai/gpt-4o", { kind: "adapter", provider: "openai", model: "gpt-4o" }],
    [
      "anthropic/claude-3-5-sonnet-20241022",
      { kind: "adapter", provider: "anthropic", model: "claude-3-5-sonnet-20241022" },
    ],
    ["mock/echo", { kind: "adapter", provider: "mock", model: "echo" }],
    [
      "openai/llava-hf/llava-v1.6-vicuna-7b-hf",
      { kind: "adapter", provider: "openai", model: "llava-hf/llava-v1.6-vicuna-7b-hf" },
    ],
    ["openai/*", { kind: "adapter", provider: "openai", model: "*" }],
    ["gpt-3.5-turbo", { kind: "adapter", provider: "openai", model: "gpt-3.5-turbo" }],
    ["gpt-5-mini", { kind: "adapter", provider: "openai", model: "gpt-5-mini" }],
    ["o1", { kind: "adapter", provider: "openai", model: "o1" }],
    ["o3-mini", { kind: "adapter", provider: "openai", model: "o3-mini" }],
    ["o4-mini", { kind: "adapter", provider: "openai", model: "o4-mini" }],
    ["chatgpt-4o-latest", { kind: "adapter", provider: "openai", model: "chatgpt-4o-latest" }],
    ["text-embedding-3-small", { kind: "adapter", provider: "openai", model: "text-embedding-3-small" }],
    ["claude-3-5-sonnet-20241022", { kind: "adapter", provider: "anthropic", model: "claude-3-5-sonnet-20241022" }],
    ["bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", { kind: "unsupported", provider: "bedrock" }],
    ["groq/*", { kind: "unsupported", provider: "groq" }],
    ["azure/gpt-4", { kind: "unsupported", provider: "azure" }],
    ["gemini-1.5-pro", { kind: "unsupported", provider: "vertex_ai", inferredFrom: "gemini-1.5-pro" }],
    [
      "mistralai/mistral-7b-instruct",
      { kind: "unsupported", provider: "openrouter", inferredFrom: "mistralai/mistral-7b-instruct" },
    ],
    ["opnai/gpt-4o", { kind: "invalid", reason: 'unknown provider "opnai" (did you mean "openai"?)' }],
    ["OpenAI/gpt-4o", { kind: "invalid", reason: 'unknown provider "OpenAI" (did you mean "openai"?)' }],
    ["bedrok/x", { kind: "invalid", reason: 'unknown provider "bedrok" (did you mean "bedrock"?)' }],
    ["qwertyuiop/x", { kind: "invalid", reason: 'unknown provider "qwertyuiop"' }],
    ["openai/", { kind: "invalid", reason: 'expected a model name after "openai/"' }],
    ["/gpt-4o", { kind: "invalid", reason: 'expected <provider>/<model>, got "/gpt-4o"' }],
    [
      "my-model",
      {
        kind: "invalid",
        reason: 'cannot infer the provider of "my-model"; expected <provider>/<model>, for example "openai/my-model"',
      },
    ],
  ];
  for (const [model, expected] of cases) {
    test(model, () => assert.deepEqual(routeModel(model), expected));
  }

  test("supported and unsupported provider ids do not overlap", () => {
    for (const id of PROVIDER_IDS) assert.equal(UNSUPPORTED_PROVIDERS.has(id), false, id);
  });

  test("the unsupported list holds the providers LiteLLM configs commonly use", () => {
    for (const id of ["azure", "bedrock", "vertex_ai", "gemini", "ollama", "groq", "openrouter", "hosted_vllm"]) {
      assert.ok(UNSUPPORTED_PROVIDERS.has(id), id);
    }
  });
});
