// Where and how to call Cohere's v2 Chat API (https://docs.cohere.com/reference/chat).

import type { Deployment } from "@switchyard/config";

/** The public API; `api_base` overrides it (a private deployment, a proxy, a fake upstream in tests). */
export const DEFAULT_BASE_URL = "https://api.cohere.com";

/** The chat endpoint: `api_base` may be the origin, end in `/v2`, or already name `/v2/chat`. */
export function chatUrl(deployment: Pick<Deployment, "apiBase">): string {
  const base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "");
  if (base.endsWith("/v2/chat")) return base;
  if (base.endsWith("/v2")) return `${base}/chat`;
  return `${base}/v2/chat`;
}

/** The v2 rerank endpoint (https://docs.cohere.com/reference/rerank), beside chat under the same `api_base`. */
export function rerankUrl(deployment: Pick<Deployment, "apiBase">): string {
  const base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v2\/chat$/, "/v2");
  if (base.endsWith("/v2/rerank")) return base;
  if (base.endsWith("/v2")) return `${base}/rerank`;
  return `${base}/v2/rerank`;
}

/** `Authorization: Bearer <key>`; streams are asked for as server-sent events. */
export function cohereHeaders(apiKey: string | undefined, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: stream ? "text/event-stream" : "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}
