// Where and how to call the Azure AI model inference API
// (https://learn.microsoft.com/azure/ai-foundry/model-inference/reference/reference-model-inference-chat-completions):
// `POST /chat/completions?api-version=...` under a serverless endpoint, or `/models/chat/completions` under an Azure AI
// Foundry (AI Services) resource, with OpenAI-shaped bodies.

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

/**
 * The chat URL of a deployment: `{api_base}/models/chat/completions` on a Foundry resource, else
 * `{api_base}/chat/completions`, keeping a path that already ends there and any query of `api_base`. `api-version` is
 * `api_version`, else the documented version; the OpenAI v1 surface (`/openai/v1`) takes none.
 */
export function azureAiChatUrl(deployment: Pick<Deployment, "apiBase" | "apiVersion">): string {
  const url = new URL(deployment.apiBase ?? "");
  const ending = FOUNDRY_HOST.test(url.hostname) ? "/models/chat/completions" : "/chat/completions";
  url.pathname = appendPath(url.pathname, ending);
  const versionless = /\/openai\/v1\//.test(url.pathname) && !deployment.apiVersion;
  if (!url.searchParams.has("api-version") && !versionless) {
    url.searchParams.set("api-version", deployment.apiVersion || DEFAULT_API_VERSION);
  }
  return url.toString();
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
