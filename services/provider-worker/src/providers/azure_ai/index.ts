// The Azure AI model inference adapter (`azure_ai/<model>`): Llama, Mistral, DeepSeek, Phi, Cohere ... deployed on
// Azure AI Foundry or as serverless endpoints, for chat and embeddings (Cohere Embed, text-embedding-3 ...). The wire
// format is OpenAI's, so this is the shared OpenAI translation with Azure's URL, auth header and error bodies.

import { classifyAzureError } from "../azure/errors.js";
import type { UpstreamPost } from "../http.js";
import { createOpenAIAdapter, type OpenAICompatible } from "../openai/index.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import { azureAiAuthHeaders, azureAiUrl } from "./api.js";

/** An operation the OpenAI adapter prepares a request for: chat or embeddings (the API has no text completions). */
type Operation = Parameters<NonNullable<OpenAICompatible["prepare"]>>[2];

function prepare(post: UpstreamPost, ctx: AttemptContext, operation: Operation): UpstreamPost {
  const headers = azureAiAuthHeaders(ctx.deployment, ctx.apiKey);
  // With drop_params the service itself drops the parameters a model does not take (the `extra-parameters` header);
  // without it they are refused with a 422 naming them, which is classified as INVALID_REQUEST with its param.
  if (ctx.deployment.params.drop_params === true) headers["extra-parameters"] = "drop";
  const url = azureAiUrl(ctx.deployment, operation === "embeddings" ? "embeddings" : "chat/completions");
  return { ...post, url, headers, classify: classifyAzureError };
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
  // POST {api_base}/embeddings (reference-model-inference-embeddings): OpenAI's body and answer.
  embeddings: true,
  prepare,
});
