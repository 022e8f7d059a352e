// Where and how to call OpenAI or an OpenAI-compatible server
// (https://platform.openai.com/docs/api-reference/chat/create).

import type { Deployment } from "@switchyard/config";

/** The public API; `api_base` points the adapter at any OpenAI-compatible server instead. */
export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/**
 * `{api_base}/chat/completions`; api_base includes the version path (`.../v1`), as in LiteLLM and the SDK. `fallback`
 * is the provider's public base URL, used when the deployment sets none.
 */
export function chatCompletionsUrl(deployment: Pick<Deployment, "apiBase">, fallback = DEFAULT_BASE_URL): string {
  const base = (deployment.apiBase || fallback).replace(/\/+$/, "");
  return base.endsWith("/chat/completions") ? base : `${base}/chat/completions`;
}

/** `{api_base}/embeddings` (an api_base given as the full chat completions URL is cut back to its base). */
export function embeddingsUrl(deployment: Pick<Deployment, "apiBase">, fallback = DEFAULT_BASE_URL): string {
  const base = (deployment.apiBase || fallback).replace(/\/+$/, "").replace(/\/chat\/completions$/, "");
  return base.endsWith("/embeddings") ? base : `${base}/embeddings`;
}

/** `{api_base}/completions`, OpenAI's legacy text completions (a full chat completions URL is cut back to its base). */
export function completionsUrl(deployment: Pick<Deployment, "apiBase">, fallback = DEFAULT_BASE_URL): string {
  const base = (deployment.apiBase || fallback).replace(/\/+$/, "").replace(/\/chat\/completions$/, "");
  return base.endsWith("/completions") ? base : `${base}/completions`;
}

/** How a provider takes its key: `Authorization: Bearer <key>` (OpenAI's way), or a header of its own. */
export type KeyHeader = "bearer" | { readonly header: string };

/** The key in its header when there is a key, and `OpenAI-Organization` when configured. */
export function openaiHeaders(
  deployment: Pick<Deployment, "organization">,
  apiKey: string | undefined,
  keyHeader: KeyHeader = "bearer",
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (apiKey && keyHeader === "bearer") headers.authorization = `Bearer ${apiKey}`;
  else if (apiKey && keyHeader !== "bearer") headers[keyHeader.header] = apiKey;
  if (deployment.organization) headers["openai-organization"] = deployment.organization;
  return headers;
}
