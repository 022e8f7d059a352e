// Where and how to call the Anthropic Messages API (https://docs.anthropic.com/en/api/messages).

import type { Deployment } from "@switchyard/config";

/** The API version every request pins; Anthropic versions the wire format by this header. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** The public API; `api_base` overrides it (a proxy, a fake upstream in tests). */
export const DEFAULT_BASE_URL = "https://api.anthropic.com";

/**
 * The Messages endpoint of a deployment. `api_base` may be the origin (`https://api.anthropic.com`),
 * end in `/v1`, or already name `/v1/messages`, as LiteLLM configurations do.
 */
export function messagesUrl(deployment: Pick<Deployment, "apiBase">): string {
  const base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "");
  if (base.endsWith("/v1/messages")) return base;
  if (base.endsWith("/v1")) return `${base}/messages`;
  return `${base}/v1/messages`;
}

/** The request headers: the key in `x-api-key` and the pinned `anthropic-version`. */
export function anthropicHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { "anthropic-version": ANTHROPIC_VERSION };
  if (apiKey) headers["x-api-key"] = apiKey;
  return headers;
}
