// The Azure AI model inference adapter (`azure_ai/<model>`): Llama, Mistral, DeepSeek, Phi, Cohere ... deployed on
// Azure AI Foundry or as serverless endpoints. The wire format is OpenAI's, so this is the shared OpenAI translation
// with Azure's URL, auth header and error bodies.

import { classifyAzureError } from "../azure/errors.js";
import type { UpstreamPost } from "../http.js";
import { createOpenAIAdapter } from "../openai/index.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import { azureAiAuthHeaders, azureAiChatUrl } from "./api.js";

function prepare(post: UpstreamPost, ctx: AttemptContext): UpstreamPost {
  const headers = azureAiAuthHeaders(ctx.deployment, ctx.apiKey);
  // With drop_params the service itself drops the parameters a model does not take (the `extra-parameters` header);
  // without it they are refused with a 422 naming them, which is classified as INVALID_REQUEST with its param.
  if (ctx.deployment.params.drop_params === true) headers["extra-parameters"] = "drop";
  return { ...post, url: azureAiChatUrl(ctx.deployment), headers, classify: classifyAzureError };
}

/** Calls the Azure AI model inference API; every deployment sets `api_base`. */
export const azureAiAdapter: ProviderAdapter = createOpenAIAdapter({
  info: {
    name: "Azure AI model inference",
    docs: "https://learn.microsoft.com/azure/ai-foundry/model-inference/reference/reference-model-inference-chat-completions",
    capabilities: ["chat", "stream", "tools", "vision", "json"],
  },
  baseUrl: undefined,
  // LiteLLM reads these when a deployment sets no api_key / api_base (AzureAIStudioConfig).
  env: { apiKey: ["AZURE_AI_API_KEY"], apiBase: ["AZURE_AI_API_BASE"] },
  prepare,
});
