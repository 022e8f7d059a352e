import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatUsd } from "./money.js";
import { cost, nonZero } from "./spec-helpers.js";

// Golden costs for Azure OpenAI and Cohere. Rates in pico-dollars per token are USD per 1M tokens x 1e6; totals are in
// pico-dollars, and 1 nano-dollar = 1000 pico-dollars.

describe("Azure OpenAI costs", () => {
  test("a deployment named after its model is priced like OpenAI's (gpt-4o-mini, cached input)", () => {
    // prompt 4000 with 3000 cached: 1000 x 150,000 = 1.5e8; 3000 x 75,000 = 2.25e8; 200 x 600,000 = 1.2e8 output.
    // Total 4.95e8 pico = 495,000 nano.
    const c = cost("azure", "gpt-4o-mini", { prompt: 4000, cacheRead: 3000, completion: 200 });
    assert.deepEqual(nonZero(c), { input: 150_000_000, cacheRead: 225_000_000, output: 120_000_000 });
    assert.equal(c.costNanos, 495_000);
  });

  test("a deployment with another name is priced by model_info.base_model, LiteLLM's azure/ prefix dropped", () => {
    // 1000 x 2,000,000 = 2e9 input; 1000 x 8,000,000 = 8e9 output (gpt-4.1). Total 1e10 pico = $0.01.
    const c = cost(
      "azure",
      "prod-eu-chat",
      { prompt: 1000, completion: 1000 },
      { modelInfo: { base_model: "azure/gpt-4.1" } },
    );
    assert.deepEqual(nonZero(c), { input: 2_000_000_000, output: 8_000_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.01");
  });

  test("embedding deployments bill input tokens at OpenAI's list prices, by name or base_model", () => {
    // 1000 x 20,000 = 2e7 pico (text-embedding-3-small, $0.02 / 1M); 1000 x 130,000 = 1.3e8 (3-large, $0.13 / 1M);
    // 1000 x 100,000 = 1e8 (ada-002, $0.10 / 1M). In nano-dollars: 20,000, 130,000 and 100,000.
    assert.equal(cost("azure", "text-embedding-3-small", { prompt: 1000, completion: 0 }).costNanos, 20_000);
    assert.equal(cost("azure", "text-embedding-ada-002", { prompt: 1000, completion: 0 }).costNanos, 100_000);
    const large = cost(
      "azure",
      "embed-prod",
      { prompt: 1000, completion: 0 },
      { modelInfo: { base_model: "azure/text-embedding-3-large" } },
    );
    assert.deepEqual(nonZero(large), { input: 130_000_000 });
    assert.equal(large.costNanos, 130_000);
  });

  test("an unknown deployment name is unpriced", () => {
    assert.equal(cost("azure", "prod-eu-chat", { prompt: 1000, completion: 1000 }).version, "2026-12-06:unpriced");
  });
});

describe("Cohere costs", () => {
  test("billed units at the Command R+ rates, for cohere and cohere_chat alike", () => {
    // 2000 x 2,500,000 = 5e9 input; 300 x 10,000,000 = 3e9 output. Total 8e9 pico = 8,000,000 nano = $0.008.
    for (const provider of ["cohere", "cohere_chat"] as const) {
      const c = cost(provider, "command-r-plus-08-2024", { prompt: 2000, completion: 300 });
      assert.deepEqual(nonZero(c), { input: 5_000_000_000, output: 3_000_000_000 });
      assert.equal(formatUsd(c.costNanos), "0.008");
    }
  });

  test("Command R (08-2024) at $0.15 / $0.60", () => {
    // 10,000 x 150,000 = 1.5e9 input; 1000 x 600,000 = 6e8 output. Total 2.1e9 pico = 2,100,000 nano.
    const c = cost("cohere", "command-r-08-2024", { prompt: 10_000, completion: 1000 });
    assert.equal(c.costNanos, 2_100_000);
  });
});
