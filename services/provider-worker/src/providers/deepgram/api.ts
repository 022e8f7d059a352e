// Where and how to call Deepgram's pre-recorded speech to text (https://developers.deepgram.com/reference/listen-file).
import type { Deployment } from "@switchyard/config";

/** The public API; `api_base` (LiteLLM's `DEEPGRAM_API_BASE`) replaces it. */
export const DEFAULT_BASE_URL = "https://api.deepgram.com/v1";

/** `{api_base}/listen?model=...&...`: options travel in the query, the audio is the raw body. */
export function listenUrl(deployment: Pick<Deployment, "apiBase" | "model">, query: Record<string, string>): string {
  const base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/listen$/, "");
  const params = new URLSearchParams({ model: deployment.model, ...query });
  return `${base}/listen?${params.toString()}`;
}

/** Deepgram takes its key as `Authorization: Token <key>`. */
export function deepgramHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Token ${apiKey}` } : {};
}
