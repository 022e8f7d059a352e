// Infinity (`infinity/<model>`, https://github.com/michaelfeil/infinity): a self-hosted embeddings and rerank server
// with no public URL, so `api_base` (or INFINITY_API_BASE) is required. Rerank at `POST {api_base}/rerank` (Cohere's
// shape plus `usage`), embeddings at `POST {api_base}/embeddings` (OpenAI's shape); a key, when the server has one,
// as a Bearer token. Chat is refused with a 400.
import type { llm } from "@switchyard/proto";
import { baseOf, cohereShapedRerank, openAIShapedEmbed, refusingChat } from "../rerank.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";

/** Calls an Infinity server's rerank and embeddings endpoints. */
export const infinityAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Infinity",
    docs: "https://michaelfeil.github.io/infinity/",
    capabilities: ["embeddings", "rerank"],
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["INFINITY_API_KEY"], apiBase: ["INFINITY_API_BASE"] },
  ...refusingChat("Infinity serves embeddings and rerank only"),
  embed: async (request: llm.EmbeddingRequest, ctx: AttemptContext) =>
    openAIShapedEmbed(`${baseOf(ctx, undefined)}/embeddings`, request, ctx),
  rerank: async (request: llm.RerankRequest, ctx: AttemptContext) =>
    cohereShapedRerank(`${baseOf(ctx, undefined)}/rerank`, request, ctx),
});
