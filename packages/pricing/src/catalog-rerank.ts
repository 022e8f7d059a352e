// List prices of the rerank and embeddings providers: Jina AI and Voyage AI bill tokens (per 1M), Cohere's rerank bills
// search units (one query over up to 100 documents; the `query` rate, per unit); and OpenAI's legacy text completion
// models (per 1M tokens).
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

/** Cohere rerank (https://cohere.com/pricing): $2.00 per 1,000 searches, LiteLLM's `input_cost_per_query` 0.002. */
export const COHERE_RERANK_PRICES: Readonly<Record<string, Price>> = {
  "rerank-v3.5": listPrice({ input: "0", output: "0", query: "0.002" }),
  "rerank-english-v3.0": listPrice({ input: "0", output: "0", query: "0.002" }),
  "rerank-multilingual-v3.0": listPrice({ input: "0", output: "0", query: "0.002" }),
};

/** Jina AI (https://jina.ai/api-dashboard/): one token price for input, as LiteLLM's cost map lists it. */
export const JINA_AI_PRICES: Readonly<Record<string, Price>> = {
  "jina-reranker-v2-base-multilingual": listPrice({ input: "0.018", output: "0.018" }),
  "jina-embeddings-v3": listPrice({ input: "0.018", output: "0.018" }),
};

/** Voyage AI (https://docs.voyageai.com/docs/pricing): rerank and embeddings bill input tokens only. */
export const VOYAGE_PRICES: Readonly<Record<string, Price>> = {
  "voyage-3.5": listPrice({ input: "0.06", output: "0" }),
  "voyage-3.5-lite": listPrice({ input: "0.02", output: "0" }),
  "voyage-3-large": listPrice({ input: "0.18", output: "0" }),
  "voyage-code-3": listPrice({ input: "0.18", output: "0" }),
  "rerank-2.5": listPrice({ input: "0.05", output: "0" }),
  "rerank-2.5-lite": listPrice({ input: "0.02", output: "0" }),
};

/** OpenAI's legacy completion models (https://platform.openai.com/docs/pricing). */
export const OPENAI_TEXT_COMPLETION_PRICES: Readonly<Record<string, Price>> = {
  "gpt-3.5-turbo-instruct": listPrice({ input: "1.50", output: "2.00" }),
  "davinci-002": listPrice({ input: "2.00", output: "2.00" }),
  "babbage-002": listPrice({ input: "0.40", output: "0.40" }),
};
