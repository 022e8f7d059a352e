import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_CATALOG } from "./catalog.js";
import { effectiveRates } from "./cost.js";
import { findPrice } from "./lookup.js";
import { cost, nonZero } from "./spec-helpers.js";

// Golden list prices in pico-dollars per token (USD per million tokens x 1e6): input, output, cache read.
const LIST: ["gemini" | "vertex_ai", string, number, number, number][] = [
  ["gemini", "gemini-2.5-pro", 1_250_000, 10_000_000, 125_000],
  ["gemini", "gemini-2.5-flash", 300_000, 2_500_000, 30_000],
  ["gemini", "gemini-2.5-flash-lite", 100_000, 400_000, 10_000],
  ["gemini", "gemini-2.0-flash", 100_000, 400_000, 25_000],
  ["gemini", "gemini-2.0-flash-lite", 75_000, 300_000, 75_000],
  ["gemini", "gemini-3-pro-preview", 2_000_000, 12_000_000, 200_000],
  ["vertex_ai", "gemini-2.5-pro", 1_250_000, 10_000_000, 125_000],
  ["vertex_ai", "gemini-2.5-flash", 300_000, 2_500_000, 30_000],
  ["vertex_ai", "gemini-2.0-flash", 150_000, 600_000, 150_000],
  ["vertex_ai", "claude-sonnet-4-5", 3_000_000, 15_000_000, 300_000],
  ["vertex_ai", "claude-haiku-4-5", 1_000_000, 5_000_000, 100_000],
];

describe("Google catalog", () => {
  test("lists the Gemini API's and Vertex AI's main models at their list prices", () => {
    for (const [provider, model, input, output, cacheRead] of LIST) {
      const price = DEFAULT_CATALOG.prices[provider][model];
      assert.ok(price, `${provider}/${model} is missing`);
      const rates = effectiveRates(price, 0);
      assert.deepEqual(
        [rates.input, rates.output, rates.cacheRead],
        [input, output, cacheRead],
        `${provider}/${model}`,
      );
    }
  });

  test("bills Gemini 2.5 Pro above 200k prompt tokens at the long-context tier", () => {
    const price = DEFAULT_CATALOG.prices.gemini["gemini-2.5-pro"]!;
    assert.deepEqual(
      [
        effectiveRates(price, 200_000).input,
        effectiveRates(price, 200_001).input,
        effectiveRates(price, 200_001).output,
      ],
      [1_250_000, 2_500_000, 15_000_000],
    );
  });

  test("finds Vertex AI's @-snapshots of Claude and the -001 snapshots of Gemini 2.0", () => {
    const vertex = DEFAULT_CATALOG.prices.vertex_ai;
    assert.equal(findPrice(DEFAULT_CATALOG, "vertex_ai", "claude-sonnet-4-5@20250929"), vertex["claude-sonnet-4-5"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "vertex_ai", "claude-opus-4-1@latest"), vertex["claude-opus-4-1"]);
    assert.ok(findPrice(DEFAULT_CATALOG, "gemini", "gemini-2.0-flash-001"));
  });

  test("prices thinking as output, cache hits and audio at their own rates", () => {
    // 1000 prompt tokens, 400 of them cached and 100 audio; 300 completion tokens, 200 of them thinking.
    const c = cost("gemini", "gemini-2.5-flash", {
      prompt: 1000,
      cacheRead: 400,
      promptAudio: 100,
      completion: 300,
      reasoning: 200,
    });
    assert.deepEqual(nonZero(c), {
      input: 500 * 300_000,
      cacheRead: 400 * 30_000,
      inputAudio: 100 * 1_000_000,
      output: 100 * 2_500_000,
      reasoning: 200 * 2_500_000,
    });
  });
});
