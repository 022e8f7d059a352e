// Where and how to call Ollama's native API (https://github.com/ollama/ollama/blob/main/docs/api.md).

import type { Deployment } from "@switchyard/config";

/** Ollama's default listen address, as in LiteLLM. */
export const DEFAULT_BASE_URL = "http://localhost:11434";

function base(deployment: Pick<Deployment, "apiBase">): string {
  return (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/api\/(chat|generate|embed)$/, "");
}

/** `{api_base}/api/chat`: both `ollama/` and `ollama_chat/` use the chat endpoint (messages, tools, images). */
export function chatUrl(deployment: Pick<Deployment, "apiBase">): string {
  return `${base(deployment)}/api/chat`;
}

/** `{api_base}/api/embed`. */
export function embedUrl(deployment: Pick<Deployment, "apiBase">): string {
  return `${base(deployment)}/api/embed`;
}

/** Ollama needs no key; one set (a proxy in front, or ollama.com) goes as a Bearer token, as LiteLLM sends it. */
export function ollamaHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
