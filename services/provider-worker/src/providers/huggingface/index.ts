// The Hugging Face adapter (`huggingface/<org>/<model>[:provider]`): the OpenAI adapter pointed at the Inference
// Providers router, or at a TGI server / Inference Endpoint's `/v1/chat/completions` when `api_base` is set; embeddings
// through feature-extraction.

import { createOpenAIAdapter } from "../openai/index.js";
import type { ProviderAdapter } from "../types.js";
import { endpointChatUrl, ROUTER_BASE_URL } from "./api.js";
import { huggingfaceEmbed } from "./embeddings.js";

const chatAdapter = createOpenAIAdapter({
  info: {
    name: "Hugging Face",
    docs: "https://huggingface.co/docs/inference-providers/tasks/chat-completion",
    capabilities: ["chat", "stream", "tools", "vision", "json"],
  },
  baseUrl: ROUTER_BASE_URL,
  // LiteLLM reads HF_TOKEN, then HUGGINGFACE_API_KEY; HUGGINGFACE_API_BASE for an endpoint.
  env: { apiKey: ["HF_TOKEN", "HUGGINGFACE_API_KEY"], apiBase: ["HUGGINGFACE_API_BASE"] },
  prepare: (post, ctx) => (ctx.deployment.apiBase ? { ...post, url: endpointChatUrl(ctx.deployment.apiBase) } : post),
});

/** Calls Hugging Face's router or a TGI server; embeddings through feature-extraction. */
export const huggingfaceAdapter: ProviderAdapter = Object.freeze({
  ...chatAdapter,
  info: Object.freeze({
    ...chatAdapter.info,
    capabilities: Object.freeze([...chatAdapter.info.capabilities, "embeddings" as const]),
  }),
  embed: huggingfaceEmbed,
});
