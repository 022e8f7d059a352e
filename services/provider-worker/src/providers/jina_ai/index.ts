// Jina AI (`jina_ai/<model>`): rerank at `POST https://api.jina.ai/v1/rerank` (Cohere's shape plus `usage`) and
// embeddings at `POST https://api.jina.ai/v1/embeddings` (OpenAI's shape), Bearer key
// (https://jina.ai/reranker/, https://jina.ai/embeddings/). Jina has no chat API: chat is refused with a 400.
import type { llm } from "@switchyard/proto";
import { baseOf, cohereShapedRerank, openAIShapedEmbed, refusingChat } from "../rerank.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";

/** The public API; `api_base` overrides it. */
export const DEFAULT_BASE_URL = "https://api.jina.ai/v1";

/** Calls Jina AI's rerank and embeddings APIs. */
export const jinaAiAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Jina AI",
    docs: "https://jina.ai/reranker/",
    capabilities: ["embeddings", "rerank"],
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["JINA_AI_API_KEY"], apiBase: ["JINA_AI_API_BASE"] },
  ...refusingChat("Jina AI serves embeddings and rerank only"),
  embed: async (request: llm.EmbeddingRequest, ctx: AttemptContext) =>
    openAIShapedEmbed(`${baseOf(ctx, DEFAULT_BASE_URL)}/embeddings`, request, ctx),
  rerank: async (request: llm.RerankRequest, ctx: AttemptContext) =>
    cohereShapedRerank(`${baseOf(ctx, DEFAULT_BASE_URL)}/rerank`, request, ctx),
});
