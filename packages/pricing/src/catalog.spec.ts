import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PROVIDER_IDS } from "@switchyard/config";
import { CATALOG_VERSION, DEFAULT_CATALOG, MOCK_PRICE } from "./catalog.js";
import { effectiveRates } from "./cost.js";
import { listPrice } from "./list-price.js";
import { RATE_NAMES } from "./types.js";

// Golden list prices in pico-dollars per token; pico per token = USD per million tokens x 1e6, so $2.50 / 1M
// is 2_500_000. Columns: input, output, cached read, cache write (the input rate where the provider has none).
const LIST: [string, string, number, number, number, number][] = [
  ["openai", "gpt-4o", 2_500_000, 10_000_000, 1_250_000, 2_500_000],
  ["openai", "gpt-4o-mini", 150_000, 600_000, 75_000, 150_000],
  ["openai", "gpt-4.1", 2_000_000, 8_000_000, 500_000, 2_000_000],
  ["openai", "gpt-4.1-mini", 400_000, 1_600_000, 100_000, 400_000],
  ["openai", "gpt-4.1-nano", 100_000, 400_000, 25_000, 100_000],
  ["openai", "o1", 15_000_000, 60_000_000, 7_500_000, 15_000_000],
  ["openai", "o1-mini", 1_100_000, 4_400_000, 550_000, 1_100_000],
  ["openai", "o3", 2_000_000, 8_000_000, 500_000, 2_000_000],
  ["openai", "o3-mini", 1_100_000, 4_400_000, 550_000, 1_100_000],
  ["openai", "o4-mini", 1_100_000, 4_400_000, 275_000, 1_100_000],
  ["openai", "gpt-5", 1_250_000, 10_000_000, 125_000, 1_250_000],
  ["openai", "gpt-5-mini", 250_000, 2_000_000, 25_000, 250_000],
  ["openai", "gpt-5-nano", 50_000, 400_000, 5_000, 50_000],
  ["openai", "gpt-3.5-turbo", 500_000, 1_500_000, 500_000, 500_000],
  ["openai", "gpt-4-turbo", 10_000_000, 30_000_000, 10_000_000, 10_000_000],
  ["openai", "gpt-4o-audio-preview", 2_500_000, 10_000_000, 2_500_000, 2_500_000],
  ["openai", "gpt-4o-mini-audio-preview", 150_000, 600_000, 150_000, 150_000],
  ["openai", "text-embedding-3-small", 20_000, 0, 20_000, 20_000],
  ["openai", "text-embedding-3-large", 130_000, 0, 130_000, 130_000],
  ["openai", "text-embedding-ada-002", 100_000, 0, 100_000, 100_000],
  ["anthropic", "claude-3-haiku", 250_000, 1_250_000, 30_000, 300_000],
  ["anthropic", "claude-3-5-haiku", 800_000, 4_000_000, 80_000, 1_000_000],
  ["anthropic", "claude-3-5-sonnet", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["anthropic", "claude-3-7-sonnet", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["anthropic", "claude-sonnet-4", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["anthropic", "claude-opus-4", 15_000_000, 75_000_000, 1_500_000, 18_750_000],
  ["anthropic", "claude-opus-4-1", 15_000_000, 75_000_000, 1_500_000, 18_750_000],
  ["anthropic", "claude-sonnet-4-5", 3_000_000, 15_000_000, 300_000, 3_750_000],
  ["anthropic", "claude-haiku-4-5", 1_000_000, 5_000_000, 100_000, 1_250_000],
  ["anthropic", "claude-opus-4-5", 5_000_000, 25_000_000, 500_000, 6_250_000],
  ["azure", "gpt-4o", 2_500_000, 10_000_000, 1_250_000, 2_500_000],
  ["azure", "gpt-35-turbo", 500_000, 1_500_000, 500_000, 500_000],
  ["cohere", "command-r", 150_000, 600_000, 150_000, 150_000],
  ["cohere", "command-r-plus-08-2024", 2_500_000, 10_000_000, 2_500_000, 2_500_000],
  ["cohere_chat", "command-a-03-2025", 2_500_000, 10_000_000, 2_500_000, 2_500_000],
  ["mock", "*", 1_000_000, 2_000_000, 100_000, 1_000_000],
];

describe("catalog", () => {
  test("has a date version", () => {
    assert.equal(CATALOG_VERSION, "2026-12-06");
    assert.equal(DEFAULT_CATALOG.version, CATALOG_VERSION);
  });

  test("lists every model the adapters know at its list price", () => {
    for (const [provider, model, input, output, cacheRead, cacheWrite] of LIST) {
      const price = DEFAULT_CATALOG.prices[provider as "openai" | "anthropic" | "mock"][model];
      assert.ok(price, `${provider}/${model} is missing`);
      const rates = effectiveRates(price, 0);
      assert.deepEqual(
        [rates.input, rates.output, rates.cacheRead, rates.cacheWrite],
        [input, output, cacheRead, cacheWrite],
        `${provider}/${model}`,
      );
    }
  });

  test("prices audio tokens of the audio models", () => {
    // gpt-4o-audio-preview: $40 / $80 per 1M audio tokens; the mini: $10 / $20.
    const audio = effectiveRates(DEFAULT_CATALOG.prices.openai["gpt-4o-audio-preview"]!, 0);
    assert.deepEqual([audio.inputAudio, audio.outputAudio], [40_000_000, 80_000_000]);
    const mini = effectiveRates(DEFAULT_CATALOG.prices.openai["gpt-4o-mini-audio-preview"]!, 0);
    assert.deepEqual([mini.inputAudio, mini.outputAudio], [10_000_000, 20_000_000]);
  });

  test("gives Sonnet 4 and 4.5 their long-context tier above 200k prompt tokens", () => {
    for (const model of ["claude-sonnet-4", "claude-sonnet-4-5"]) {
      assert.deepEqual(DEFAULT_CATALOG.prices.anthropic[model]?.tiers, [
        // $6 / $22.50 / $7.50 write / $0.60 read per 1M.
        {
          abovePromptTokens: 200_000,
          rates: { input: 6_000_000, output: 22_500_000, cacheWrite: 7_500_000, cacheRead: 600_000 },
        },
      ]);
    }
  });

  test("stores every rate as whole nano-dollars in a safe integer, and every tier list sorted", () => {
    for (const provider of PROVIDER_IDS) {
      for (const [model, price] of Object.entries(DEFAULT_CATALOG.prices[provider])) {
        const rates = [price.rates, ...price.tiers.map((tier) => tier.rates)];
        for (const set of rates) {
          for (const name of RATE_NAMES) {
            const value = set[name];
            if (value === undefined) continue;
            assert.ok(Number.isSafeInteger(value) && value >= 0, `${model}.${name}`);
            // Whole nano-dollars (1000 pico) per unit, so catalog costs are never rounded.
            assert.equal(value % 1000, 0, `${model}.${name}`);
          }
        }
        const thresholds = price.tiers.map((tier) => tier.abovePromptTokens);
        assert.deepEqual(
          thresholds,
          [...thresholds].sort((a, b) => a - b),
          model,
        );
      }
    }
  });

  test("the mock price is nonzero so local runs show spend", () => {
    assert.deepEqual(MOCK_PRICE.rates, { input: 1_000_000, output: 2_000_000, cacheRead: 100_000 });
  });

  test("listPrice refuses a malformed list rate", () => {
    assert.throws(
      () => listPrice({ input: "abc", output: "1" }),
      /catalog rate input: expected a non-negative decimal/,
    );
    // $0.0000001 / 1M tokens is 0.1 pico-dollar per token.
    assert.throws(() => listPrice({ input: "0.0000001", output: "1" }), /finer than 1 pico-dollar per unit/);
  });
});
