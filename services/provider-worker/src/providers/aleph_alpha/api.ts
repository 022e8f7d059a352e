// Where and how to call Aleph Alpha's API (https://docs.aleph-alpha.com/api/): `POST {host}/complete` and
// `POST {host}/batch_semantic_embed` with a bearer token. LiteLLM's `api_base` for aleph_alpha is the whole complete
// URL (default `https://api.aleph-alpha.com/complete`, or ALEPH_ALPHA_API_BASE); a base without the path, such as a
// self-hosted PhariaAI inference host, works too.

import type { Deployment } from "@switchyard/config";

/** Aleph Alpha's public API host. */
export const DEFAULT_HOST = "https://api.aleph-alpha.com";

/** The API host of a deployment: its `api_base` without a trailing `/complete`, else the public one. */
export function hostOf(dep: Pick<Deployment, "apiBase">): string {
  const base = (dep.apiBase || DEFAULT_HOST).replace(/\/+$/, "");
  return base.endsWith("/complete") ? base.slice(0, -"/complete".length) : base;
}

/** `{host}/complete`. */
export function completeUrl(dep: Pick<Deployment, "apiBase">): string {
  return `${hostOf(dep)}/complete`;
}

/** `{host}/batch_semantic_embed`. */
export function batchEmbedUrl(dep: Pick<Deployment, "apiBase">): string {
  return `${hostOf(dep)}/batch_semantic_embed`;
}

/** Bearer auth, and the stream's content type when one is asked for. */
export function alephAlphaHeaders(apiKey: string | undefined, stream: boolean): Record<string, string> {
  const accept = stream ? "text/event-stream" : "application/json";
  return apiKey ? { authorization: `Bearer ${apiKey}`, accept } : { accept };
}
