import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_CATALOG } from "./catalog.js";
import { costOf, effectiveRates } from "./cost.js";
import { resolvePrice, resolvePrices } from "./resolve.js";
import { configErrorOf, deployment } from "./spec-helpers.js";

describe("resolvePrice", () => {
  test("a catalog model without overrides", () => {
    const resolved = resolvePrice(deployment("anthropic", "claude-3-5-haiku-20241022"));
    assert.equal(resolved.source, "catalog");
    assert.equal(resolved.version, "2026-12-06");
    assert.equal(resolved.price, DEFAULT_CATALOG.prices.anthropic["claude-3-5-haiku"]);
  });

  test("overrides from litellm_params replace matching catalog fields only", () => {
    // YAML number 1e-6 -> 1,000,000 pico; string "2e-6" -> 2,000,000 pico. Cached read keeps gpt-4o's 1,250,000.
    const resolved = resolvePrice(
      deployment("openai", "gpt-4o", { params: { input_cost_per_token: 1e-6, output_cost_per_token: "2e-6" } }),
    );
    assert.equal(resolved.source, "catalog+config");
    assert.equal(resolved.version, "2026-12-06+config");
    const rates = effectiveRates(resolved.price!, 0);
    assert.deepEqual([rates.input, rates.output, rates.cacheRead], [1_000_000, 2_000_000, 1_250_000]);
    // 1000 x 1e6 + 1000 x 2e6 = 3e9 pico = 3,000,000 nano.
    assert.equal(costOf({ prompt: 1000, completion: 1000 }, resolved).costNanos, 3_000_000);
  });

  test("overrides from model_info price a model the catalog lacks", () => {
    const resolved = resolvePrice(
      deployment("openai", "llama-3-70b", {
        modelInfo: { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7, mode: "chat" },
      }),
    );
    assert.equal(resolved.source, "config");
    assert.equal(resolved.version, "2026-12-06+config");
    assert.deepEqual(resolved.price, { rates: { input: 100_000, output: 200_000 }, tiers: [] });
    // 1000 x 100,000 + 500 x 200,000 = 2e8 pico = 200,000 nano.
    assert.equal(costOf({ prompt: 1000, completion: 500 }, resolved).costNanos, 200_000);
  });

  test("litellm_params wins over model_info for the same field", () => {
    const resolved = resolvePrice(
      deployment("openai", "x", {
        modelInfo: { input_cost_per_token: "0.000009", output_cost_per_token: "0.000004" },
        params: { input_cost_per_token: "0.000001" },
      }),
    );
    assert.deepEqual(resolved.price?.rates, { input: 1_000_000, output: 4_000_000 });
  });

  test("reads every LiteLLM cost field", () => {
    const params = {
      input_cost_per_token: "1e-6",
      output_cost_per_token: "2e-6",
      cache_read_input_token_cost: "1e-7",
      cache_creation_input_token_cost: "1.25e-6",
      output_cost_per_reasoning_token: "3e-6",
      input_cost_per_audio_token: "4e-5",
      output_cost_per_audio_token: "8e-5",
      input_cost_per_image: "0.01",
      input_cost_per_second: "0.0001",
      output_cost_per_second: "0.0002",
      input_cost_per_token_above_200k_tokens: "2e-6",
      output_cost_per_token_above_200k_tokens: "4e-6",
      cache_read_input_token_cost_above_200k_tokens: "2e-7",
      cache_creation_input_token_cost_above_200k_tokens: "2.5e-6",
    };
    const resolved = resolvePrice(deployment("openai", "custom", { params }));
    assert.deepEqual(resolved.price, {
      rates: {
        input: 1_000_000,
        output: 2_000_000,
        cacheRead: 100_000,
        cacheWrite: 1_250_000,
        reasoning: 3_000_000,
        inputAudio: 40_000_000,
        outputAudio: 80_000_000,
        image: 10_000_000_000,
        inputSecond: 100_000_000,
        outputSecond: 200_000_000,
      },
      tiers: [
        {
          abovePromptTokens: 200_000,
          rates: { input: 2_000_000, output: 4_000_000, cacheRead: 200_000, cacheWrite: 2_500_000 },
        },
      ],
    });
    // Reasoning priced apart from output: completion 100 with 40 reasoning = 60 x 2e6 + 40 x 3e6 = 2.4e8 pico.
    assert.equal(costOf({ prompt: 0, completion: 100, reasoning: 40 }, resolved).pico, 240_000_000n);
  });

  test("a long-context override merges into the catalog's tier at the same threshold", () => {
    // Only the tier's cached read changes (600,000 -> 500,000); its input stays 6,000,000.
    const resolved = resolvePrice(
      deployment("anthropic", "claude-sonnet-4-5", {
        params: { cache_read_input_token_cost_above_200k_tokens: "0.0000005" },
      }),
    );
    assert.equal(resolved.source, "catalog+config");
    assert.deepEqual(resolved.price?.tiers, [
      {
        abovePromptTokens: 200_000,
        rates: { input: 6_000_000, output: 22_500_000, cacheWrite: 7_500_000, cacheRead: 500_000 },
      },
    ]);
    // The catalog itself is untouched.
    assert.equal(DEFAULT_CATALOG.prices.anthropic["claude-sonnet-4-5"]?.tiers[0]?.rates.cacheRead, 600_000);
  });

  test("an override tier on a model without one, priced at and just above its threshold", () => {
    const resolved = resolvePrice(
      deployment("openai", "gemini-like", {
        params: {
          input_cost_per_token: "1e-6",
          output_cost_per_token: "1e-6",
          input_cost_per_token_above_128k_tokens: "2e-6",
          output_cost_per_token_above_128k_tokens: "3e-6",
        },
      }),
    );
    // 128,000 x 1e6 + 10 x 1e6 = 128,010,000,000 pico; 128,001 x 2e6 + 10 x 3e6 = 256,032,000,000 pico.
    assert.equal(costOf({ prompt: 128_000, completion: 10 }, resolved).pico, 128_010_000_000n);
    assert.equal(costOf({ prompt: 128_001, completion: 10 }, resolved).pico, 256_032_000_000n);
  });

  test("a zero override prices a model at nothing, on purpose", () => {
    const resolved = resolvePrice(deployment("openai", "self-hosted", { params: { input_cost_per_token: 0 } }));
    assert.equal(resolved.source, "config");
    assert.equal(costOf({ prompt: 1000, completion: 1000 }, resolved).costNanos, 0);
  });

  test("invalid price fields are a ConfigError naming every path", () => {
    const message = configErrorOf(() =>
      resolvePrice(
        deployment("openai", "gpt-4o", {
          source: "model_list[3]",
          modelInfo: { output_cost_per_token: -1 },
          params: { input_cost_per_token: "abc", cache_read_input_token_cost: 1e-13 },
        }),
      ),
    );
    assert.equal(
      message,
      [
        "model_list[3].model_info.output_cost_per_token: expected a non-negative amount, got -1",
        'model_list[3].litellm_params.input_cost_per_token: expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "abc"',
        "model_list[3].litellm_params.cache_read_input_token_cost: 1e-13 is finer than 1 pico-dollar (1e-12 USD), the smallest amount stored",
      ].join("\n"),
    );
  });

  test("cost fields Switchyard does not read come back as warnings", () => {
    const resolved = resolvePrice(
      deployment("openai", "gpt-4o", {
        params: { input_cost_per_character: 1e-6, mock_latency_ms: 5 },
        modelInfo: { cache_creation_input_token_cost_above_1hr: 6e-6, supports_vision: true },
      }),
    );
    assert.equal(resolved.source, "catalog");
    assert.deepEqual(resolved.warnings, [
      "model_list[0].model_info.cache_creation_input_token_cost_above_1hr: not a price field switchyard reads; ignored",
      "model_list[0].litellm_params.input_cost_per_character: not a price field switchyard reads; ignored",
    ]);
  });
});

describe("resolvePrices", () => {
  test("resolves every deployment by id", () => {
    const prices = resolvePrices([
      deployment("openai", "gpt-4o", { id: "a" }),
      deployment("mock", "echo", { id: "b" }),
      deployment("anthropic", "claude-unknown", { id: "c" }),
    ]);
    assert.deepEqual(
      [...prices.entries()].map(([id, p]) => [id, p.source, p.version]),
      [
        ["a", "catalog", "2026-12-06"],
        ["b", "catalog", "2026-12-06"],
        ["c", "unpriced", "2026-12-06:unpriced"],
      ],
    );
  });

  test("reports the invalid fields of all deployments at once", () => {
    const message = configErrorOf(() =>
      resolvePrices([
        deployment("openai", "a", { source: "model_list[0]", params: { input_cost_per_token: "x" } }),
        deployment("openai", "b", { source: "model_list[1]", params: { output_cost_per_token: Number.NaN } }),
      ]),
    );
    assert.equal(
      message,
      [
        'model_list[0].litellm_params.input_cost_per_token: expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "x"',
        "model_list[1].litellm_params.output_cost_per_token: expected a finite amount, got NaN",
      ].join("\n"),
    );
  });
});
