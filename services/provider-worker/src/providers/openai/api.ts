// Where and how to call OpenAI or an OpenAI-compatible server
// (https://platform.openai.com/docs/api-reference/chat/create).

import type { Deployment } from "@switchyard/config";

/** The public API; `api_base` points the adapter at any OpenAI-compatible server instead. */
export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/** `{api_base}/chat/completions`; api_base includes the version path (`.../v1`), as in LiteLLM and the SDK. */
export function chatCompletionsUrl(deployment: Pick<Deployment, "apiBase">): string {
  const base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "");
  return base.endsWith("/chat/completions") ? base : `${base}/chat/completions`;
}

/** `Authorization: Bearer <key>` when there is a key, and `OpenAI-Organization` when configured. */
export function openaiHeaders(
  deployment: Pick<Deployment, "organization">,
  apiKey: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (deployment.organization) headers["openai-organization"] = deployment.organization;
  return headers;
}
