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
    [
      "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0",
      { kind: "adapter", provider: "bedrock", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" },
    ],
    ["groq/*", { kind: "adapter", provider: "groq", model: "*" }],
    ["hosted_vllm/Qwen/Qwen2.5-7B", { kind: "adapter", provider: "hosted_vllm", model: "Qwen/Qwen2.5-7B" }],
    ["ollama/llama3", { kind: "adapter", provider: "ollama", model: "llama3" }],
    ["azure/gpt-4", { kind: "adapter", provider: "azure", model: "gpt-4" }],
    ["azure_ai/Llama-3.3-70B-Instruct", { kind: "adapter", provider: "azure_ai", model: "Llama-3.3-70B-Instruct" }],
    ["cohere_chat/command-r-plus", { kind: "adapter", provider: "cohere_chat", model: "command-r-plus" }],
    ["command-a-03-2025", { kind: "adapter", provider: "cohere", model: "command-a-03-2025" }],
    ["azure_text/gpt-35-turbo-instruct", { kind: "unsupported", provider: "azure_text" }],
    ["gemini-1.5-pro", { kind: "adapter", provider: "vertex_ai", model: "gemini-1.5-pro" }],
    ["gemini/gemini-2.5-flash", { kind: "adapter", provider: "gemini", model: "gemini-2.5-flash" }],
    [
      "vertex_ai/claude-sonnet-4-5@20250929",
      { kind: "adapter", provider: "vertex_ai", model: "claude-sonnet-4-5@20250929" },
    ],
    // An OpenRouter model id in LiteLLM's catalog routes to OpenRouter with the whole id as its model.
    [
      "mistralai/mistral-7b-instruct",
      { kind: "adapter", provider: "openrouter", model: "mistralai/mistral-7b-instruct" },
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
    for (const id of ["azure_text", "anthropic_text", "watsonx_text"]) {
      assert.ok(UNSUPPORTED_PROVIDERS.has(id), id);
    }
  });
});
