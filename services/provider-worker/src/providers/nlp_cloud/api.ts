// Where and how to call NLP Cloud (https://docs.nlpcloud.com/#endpoints): `{base}/{model}/{endpoint}` with
// `Authorization: Token <key>`. The base is LiteLLM's: `api_base` (or NLP_CLOUD_API_BASE), else the GPU API for
// generation and the plain v1 API for embeddings, as LiteLLM's nlp_cloud handlers default them.

import type { Deployment } from "@switchyard/config";

/** LiteLLM's default base for `nlp_cloud/` generation: the GPU API. */
export const GENERATION_BASE_URL = "https://api.nlpcloud.io/v1/gpu";
/** LiteLLM's default base for NLP Cloud embeddings. */
export const EMBEDDINGS_BASE_URL = "https://api.nlpcloud.io/v1";

/**
 * `{base}/{model}/{endpoint}`. The model keeps its slashes (`fra_Latn/llama-3-1-405b` selects the multilingual
 * add-on, `custom_model/2568` a fine-tuned model); each segment is escaped.
 */
export function endpointUrl(dep: Pick<Deployment, "apiBase" | "model">, endpoint: string, fallback: string): string {
  const base = (dep.apiBase || fallback).replace(/\/+$/, "");
  const model = dep.model.split("/").map(encodeURIComponent).join("/");
  return `${base}/${model}/${endpoint}`;
}

/** NLP Cloud's token scheme (`Token <key>`, not Bearer). */
export function nlpCloudHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Token ${apiKey}`, accept: "application/json" } : { accept: "application/json" };
}
