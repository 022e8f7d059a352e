import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cost, nonZero } from "./spec-helpers.js";

// Golden costs for Replicate: rates in pico-dollars per token are USD per 1M tokens x 1e6; 1 nano-dollar = 1000 pico.

describe("Replicate costs", () => {
  test("official language models billed per token, under Replicate's and LiteLLM's names", () => {
    // 1000 x 650,000 = 6.5e8 input; 200 x 2,750,000 = 5.5e8 output. Total 1.2e9 pico = 1,200,000 nano.
    for (const model of ["meta/meta-llama-3-70b-instruct", "meta/llama-3-70b-instruct"]) {
      const c = cost("replicate", model, { prompt: 1000, completion: 200 });
      assert.deepEqual(nonZero(c), { input: 650_000_000, output: 550_000_000 }, model);
      assert.equal(c.costNanos, 1_200_000);
    }
    // 1000 x 50,000 = 5e7; 200 x 250,000 = 5e7. Total 1e8 pico = 100,000 nano.
    assert.equal(
      cost("replicate", "meta/meta-llama-3-8b-instruct", { prompt: 1000, completion: 200 }).costNanos,
      100_000,
    );
    assert.equal(
      cost("replicate", "mistralai/mixtral-8x7b-instruct-v0.1", { prompt: 1e6, completion: 1e6 }).costNanos,
      1_300_000_000,
    );
  });

  test("versions and deployments bill compute time: unpriced, cost 0", () => {
    for (const model of [
      "meta/llama-2-70b-chat:02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3",
      "deployments/acme/my-llama",
      "stability-ai/sdxl",
    ]) {
      const c = cost("replicate", model, { prompt: 1000, completion: 1000 });
      assert.equal(c.costNanos, 0, model);
      assert.equal(c.version, "2026-12-06:unpriced", model);
    }
  });
});
