// Where and how to call the Gemini API of Google AI Studio
// (https://ai.google.dev/api/generate-content): `models/{model}:generateContent` and
// `:streamGenerateContent?alt=sse`, the key in `x-goog-api-key`.

import type { Deployment } from "@switchyard/config";

/** The public API with its version path; `api_base` replaces it (a proxy, a fake upstream in tests). */
export const DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

/** The version path added to an `api_base` that is a bare origin. */
const API_VERSION = "v1beta";

/** The method path of a call: streams ask for server-sent events (`alt=sse`) instead of a JSON array. */
export function generateMethod(stream: boolean): string {
  return stream ? "streamGenerateContent?alt=sse" : "generateContent";
}

/**
 * The model's resource name: `gemini-2.5-flash` becomes `models/gemini-2.5-flash`; names that already carry a
 * collection (`models/...`, `tunedModels/...`) are kept.
 */
export function modelResource(model: string): string {
  return model.includes("/") ? model : `models/${model}`;
}

/**
 * `{api_base}/models/{model}:{method}`, LiteLLM's form for a Gemini `api_base`. A base that is a bare origin
 * (`http://127.0.0.1:8080`) gets the `/v1beta` version path the public API has.
 */
export function generateContentUrl(deployment: Pick<Deployment, "apiBase" | "model">, stream: boolean): string {
  let base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "");
  if (new URL(base).pathname === "/") base = `${base}/${API_VERSION}`;
  return `${base}/${modelResource(deployment.model)}:${generateMethod(stream)}`;
}

/**
 * The key in `x-goog-api-key`, never in the URL's `?key=` query (which would end up in access logs and in the
 * URLs the worker logs).
 */
export function geminiHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { "x-goog-api-key": apiKey } : {};
}
