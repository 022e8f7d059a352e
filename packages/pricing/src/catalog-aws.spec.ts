import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_CATALOG } from "./catalog.js";
import { effectiveRates } from "./cost.js";
import { cost, nonZero } from "./spec-helpers.js";

// Golden list prices in pico-dollars per token (USD per million tokens x 1e6): input, output, cache read, cache write.
const LIST: [string, number, number, number, number][] = [
  ["anthropic.claude-3-haiku-20240307-v1:0", 250_000, 1_250_000, 250_000, 250_000],
  ["anthropic.claude-3-5-haiku-20241022-v1:0", 800_000, 4_000_000, 80_000, 1_000_000],
  ["anthropic.claude-3-7-sonnet-20250219-v1:0", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["us.anthropic.claude-sonnet-4-20250514-v1:0", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["anthropic.claude-opus-4-1-20250805-v1:0", 15_000_000, 75_000_000, 1_500_000, 18_750_000],
  ["anthropic.claude-sonnet-4-5-20250929-v1:0", 3_300_000, 16_500_000, 330_000, 4_125_000],
  ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0", 3_300_000, 16_500_000, 330_000, 4_125_000],
  ["global.anthropic.claude-sonnet-4-5-20250929-v1:0", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["converse/us.anthropic.claude-haiku-4-5-20251001-v1:0", 1_100_000, 5_500_000, 110_000, 1_375_000],
  ["global.anthropic.claude-haiku-4-5-20251001-v1:0", 1_000_000, 5_000_000, 100_000, 1_250_000],
  ["us.anthropic.claude-opus-4-5-20251101-v1:0", 5_500_000, 27_500_000, 550_000, 6_875_000],
  ["amazon.nova-micro-v1:0", 35_000, 140_000, 35_000, 35_000],
  ["us.amazon.nova-lite-v1:0", 60_000, 240_000, 15_000, 60_000],
  ["amazon.nova-pro-v1:0", 800_000, 3_200_000, 200_000, 800_000],
  ["us.amazon.nova-premier-v1:0", 2_500_000, 12_500_000, 625_000, 2_500_000],
  ["meta.llama3-3-70b-instruct-v1:0", 720_000, 720_000, 720_000, 720_000],
  ["mistral.mistral-large-2407-v1:0", 2_000_000, 6_000_000, 2_000_000, 2_000_000],
];

describe("AWS catalog", () => {
  test("lists Bedrock's main models under every model string a deployment may use", () => {
    for (const [model, input, output, cacheRead, cacheWrite] of LIST) {
      const price = DEFAULT_CATALOG.prices.bedrock[model];
      assert.ok(price, `bedrock/${model} is missing`);
      const rates = effectiveRates(price, 0);
      assert.deepEqual(
        [rates.input, rates.output, rates.cacheRead, rates.cacheWrite],
        [input, output, cacheRead, cacheWrite],
        model,
      );
      assert.equal(DEFAULT_CATALOG.prices.bedrock[`converse/${model.replace(/^converse\//, "")}`], price, model);
    }
  });

  test("bills Sonnet 4.5 above 200k prompt tokens at its long-context tier, regional and global", () => {
    const regional = DEFAULT_CATALOG.prices.bedrock["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]!;
    const global = DEFAULT_CATALOG.prices.bedrock["global.anthropic.claude-sonnet-4-5-20250929-v1:0"]!;
    assert.deepEqual(
      [effectiveRates(regional, 200_001).input, effectiveRates(regional, 200_001).output],
      [6_600_000, 24_750_000],
    );
    assert.deepEqual(
      [effectiveRates(global, 200_001).input, effectiveRates(global, 200_001).output],
      [6_000_000, 22_500_000],
    );
  });

  test("prices a Converse answer's cache reads and writes at their own rates", () => {
    // 2470 prompt tokens: 420 uncached, 2000 read from the cache, 50 written to it; 58 completion tokens.
    const c = cost("bedrock", "converse/us.anthropic.claude-sonnet-4-20250514-v1:0", {
      prompt: 2470,
      cacheRead: 2000,
      cacheWrite: 50,
      completion: 58,
    });
    assert.deepEqual(nonZero(c), {
      input: 420 * 3_000_000,
      cacheRead: 2000 * 300_000,
      cacheWrite: 50 * 3_750_000,
      output: 58 * 15_000_000,
    });
    // 1_260_000_000 + 600_000_000 + 187_500_000 + 870_000_000 pico = 2_917_500 nano-dollars
    assert.equal(c.costNanos, 2_917_500);
  });

  test("leaves SageMaker, billed per instance hour, to the deployment's own cost fields", () => {
    assert.deepEqual(DEFAULT_CATALOG.prices.sagemaker, {});
    const c = cost(
      "sagemaker",
      "tgi-endpoint",
      { prompt: 1000, completion: 100 },
      { params: { input_cost_per_token: 0.000001 } },
    );
    assert.equal(c.costNanos, 1000 * 1000);
  });
});
