import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cost, nonZero } from "./spec-helpers.js";

// Golden costs for rerank, embeddings-only and text completion models. Per-query rates are USD per query x 1e12
// pico-dollars; 1 nano-dollar = 1000 pico-dollars.

describe("rerank and text completion costs", () => {
  test("Cohere rerank bills search units at $2 per 1,000 (the query rate), tokens at nothing", () => {
    // 3 queries x 2e9 pico = 6e9 pico = 6,000,000 nano ($0.006).
    const c = cost("cohere", "rerank-v3.5", { prompt: 0, completion: 0, queries: 3 });
    assert.deepEqual(nonZero(c), { query: 6_000_000_000 });
    assert.equal(c.costNanos, 6_000_000);
  });

  test("a query rate can be set in config with LiteLLM's input_cost_per_query", () => {
    const c = cost(
      "infinity",
      "my-reranker",
      { prompt: 10, completion: 0, queries: 2 },
      {
        params: { input_cost_per_query: 0.001, input_cost_per_token: 0, output_cost_per_token: 0 },
      },
    );
    assert.deepEqual(nonZero(c), { query: 2_000_000_000 });
  });

  test("Voyage and Jina bill tokens; OpenAI's instruct model prices input and output", () => {
    // 1000 x 50,000 pico (rerank-2.5 at $0.05 / 1M) = 5e7 pico = 50,000 nano.
    assert.equal(cost("voyage", "rerank-2.5", { prompt: 1000, completion: 0 }).costNanos, 50_000);
    assert.equal(
      cost("jina_ai", "jina-reranker-v2-base-multilingual", { prompt: 1000, completion: 0 }).costNanos,
      18_000,
    );
    // 100 x 1,500,000 + 10 x 2,000,000 = 1.7e8 pico = 170,000 nano.
    assert.equal(
      cost("text-completion-openai", "gpt-3.5-turbo-instruct", { prompt: 100, completion: 10 }).costNanos,
      170_000,
    );
  });
});
