// The Azure OpenAI adapter: OpenAI's chat and embeddings wire formats (the shared translation in ../openai) at Azure's
// deployment URLs, with an `api-key` or an Entra ID bearer token, Azure's error bodies, and its content filter mapped
// to CONTENT_POLICY.

import type { llm } from "@switchyard/proto";
import type { ErrorClassifier } from "../errors.js";
import { redact, type UpstreamPost } from "../http.js";
import { asObject, type JsonObject } from "../json.js";
import { createOpenAIAdapter, type OpenAICompatible } from "../openai/index.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import {
  type AzureEndpoint,
  acceptsStreamOptions,
  apiVersionOf,
  azureAuthOf,
  azureDeploymentUrl,
  deploymentName,
} from "./api.js";
import { unlessFiltered, unlessStreamFiltered } from "./content-filter.js";
import { EntraTokens } from "./entra.js";
import { classifyAzureError } from "./errors.js";

/** The auth headers and a classifier that keeps a minted token out of error text. */
async function authOf(
  ctx: AttemptContext,
  tokens: EntraTokens,
): Promise<{ headers: Record<string, string>; classify: ErrorClassifier }> {
  const auth = azureAuthOf(ctx);
  if (auth.kind === "key") return { headers: { "api-key": auth.key }, classify: classifyAzureError };
  const token = auth.kind === "token" ? auth.token : await tokens.token(auth.grant, ctx);
  const classify: ErrorClassifier = (failure) => classifyAzureError({ ...failure, body: redact(failure.body, token) });
  return { headers: { authorization: `Bearer ${token}` }, classify };
}

/** An operation the OpenAI adapter prepares a request for. */
type Operation = Parameters<NonNullable<OpenAICompatible["prepare"]>>[2];

/** The deployment path of each operation. */
const ENDPOINTS: Record<Operation, AzureEndpoint> = {
  chat: "chat/completions",
  embeddings: "embeddings",
  completions: "completions",
};

/**
 * Azure's URL, auth and body adjustments on top of the OpenAI request. The body keeps `model` (the deployment name), as
 * the Azure OpenAI SDKs send it; the service routes by the URL.
 */
async function prepare(
  post: UpstreamPost,
  ctx: AttemptContext,
  operation: Operation,
  tokens: EntraTokens,
): Promise<UpstreamPost> {
  const body: JsonObject = { ...asObject(post.body), model: deploymentName(ctx.deployment) };
  if (!acceptsStreamOptions(apiVersionOf(ctx.deployment))) delete body.stream_options;
  const { headers, classify } = await authOf(ctx, tokens);
  return { url: azureDeploymentUrl(ctx.deployment, ENDPOINTS[operation]), headers, body, classify };
}

/**
 * Creates the Azure OpenAI adapter around one token cache (tests pass their own, with their own clock). Every
 * deployment must set `api_base`; `api_version` defaults to LiteLLM's.
 */
export function createAzureAdapter(tokens: EntraTokens = new EntraTokens()): ProviderAdapter {
  const base = createOpenAIAdapter({
    info: {
      name: "Azure OpenAI",
      docs: "https://learn.microsoft.com/azure/ai-foundry/openai/reference",
      capabilities: ["chat", "stream", "tools", "vision", "json"],
    },
    baseUrl: undefined,
    // LiteLLM reads these when a deployment sets no api_key / api_base (litellm/main.py, azure branch).
    env: { apiKey: ["AZURE_OPENAI_API_KEY", "AZURE_API_KEY"], apiBase: ["AZURE_API_BASE"] },
    // POST {api_base}/openai/deployments/{deployment}/embeddings: OpenAI's body and answer.
    embeddings: true,
    prepare: (post, ctx, operation) => prepare(post, ctx, operation, tokens),
  });
  return Object.freeze({
    ...base,
    chat: async (request: llm.ChatCompletionRequest, ctx: AttemptContext) =>
      unlessFiltered(await base.chat(request, ctx), ctx.deployment),
    streamChat: (request: llm.ChatCompletionRequest, ctx: AttemptContext) =>
      unlessStreamFiltered(base.streamChat(request, ctx), ctx.deployment),
  });
}

/** Calls Azure OpenAI deployments (`azure/<deployment>`). */
export const azureAdapter: ProviderAdapter = createAzureAdapter();
