// Where and how to call the Azure AI model inference API
// (https://learn.microsoft.com/azure/ai-foundry/model-inference/reference/reference-model-inference-chat-completions,
// .../reference-model-inference-embeddings): `POST /chat/completions?api-version=...` and `POST /embeddings?...` under
// a serverless endpoint, or `/models/chat/completions` and `/models/embeddings` under an Azure AI Foundry (AI Services)
// resource, with OpenAI-shaped bodies.

import type { Deployment } from "@switchyard/config";

/** The API version the Azure AI inference SDKs pin, and the one the reference documents. */
export const DEFAULT_API_VERSION = "2024-05-01-preview";

/** Foundry resource hosts, which serve many models under `/models` (LiteLLM's test: "services.ai.azure.com" in api_base). */
const FOUNDRY_HOST = /\.services\.ai\.azure\.com$/i;
/** Hosts that take the key in `api-key` (LiteLLM's `_should_use_api_key_header`); serverless endpoints take a Bearer. */
const API_KEY_HOST = /\.(services\.ai|openai)\.azure\.com$/i;

function appendPath(path: string, ending: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed.endsWith(ending)) return trimmed;
  // `.../models` + `/models/chat/completions` overlaps by one segment.
  const first = ending.split("/")[1] ?? "";
  if (first && trimmed.endsWith(`/${first}`)) return trimmed + ending.slice(first.length + 1);
  return trimmed + ending;
}

/** The routes of the API the adapter calls. */
export type AzureAiRoute = "chat/completions" | "embeddings";

/** A route at the end of an `api_base` path (a full chat URL given as `api_base`), cut before appending another. */
const ROUTE_SUFFIX = /\/(?:chat\/completions|embeddings)\/*$/;

/**
 * The URL of a route: `{api_base}/models/{route}` on a Foundry resource, else `{api_base}/{route}`, keeping a path that
 * already ends there (another route at its end is replaced) and any query of `api_base`. `api-version` is
 * `api_version`, else the documented version; the OpenAI v1 surface (`/openai/v1`) takes none.
 */
export function azureAiUrl(deployment: Pick<Deployment, "apiBase" | "apiVersion">, route: AzureAiRoute): string {
  const url = new URL(deployment.apiBase ?? "");
  const ending = FOUNDRY_HOST.test(url.hostname) ? `/models/${route}` : `/${route}`;
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = appendPath(path.endsWith(`/${route}`) ? path : path.replace(ROUTE_SUFFIX, ""), ending);
  const versionless = /\/openai\/v1\//.test(url.pathname) && !deployment.apiVersion;
  if (!url.searchParams.has("api-version") && !versionless) {
    url.searchParams.set("api-version", deployment.apiVersion || DEFAULT_API_VERSION);
  }
  return url.toString();
}

/** The chat URL of a deployment (see `azureAiUrl`). */
export function azureAiChatUrl(deployment: Pick<Deployment, "apiBase" | "apiVersion">): string {
  return azureAiUrl(deployment, "chat/completions");
}

/** The key in `api-key` on Foundry and Azure OpenAI hosts, else as `Authorization: Bearer` (serverless endpoints). */
export function azureAiAuthHeaders(
  deployment: Pick<Deployment, "apiBase">,
  apiKey: string | undefined,
): Record<string, string> {
  if (!apiKey) return {};
  const host = new URL(deployment.apiBase ?? "").hostname;
  return API_KEY_HOST.test(host) ? { "api-key": apiKey } : { authorization: `Bearer ${apiKey}` };
}
