import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatUsd } from "./money.js";
import { cost, nonZero } from "./spec-helpers.js";

// Golden costs for OpenAI models. Rates in pico-dollars per token are USD per 1M tokens x 1e6; totals are in
// pico-dollars, and 1 nano-dollar = 1000 pico-dollars.

describe("OpenAI costs", () => {
  test("plain input and output (gpt-4o)", () => {
    // 1000 x 2,500,000 = 2.5e9 pico input; 500 x 10,000,000 = 5e9 pico output; 7.5e9 pico = 7,500,000 nano.
    const c = cost("openai", "gpt-4o-2024-08-06", { prompt: 1000, completion: 500 });
    assert.deepEqual(nonZero(c), { input: 2_500_000_000, output: 5_000_000_000 });
    assert.equal(c.costNanos, 7_500_000);
    assert.equal(formatUsd(c.costNanos), "0.0075");
    assert.equal(c.version, "2026-12-06");
  });

  test("cached input is split out of prompt tokens (gpt-4o)", () => {
    // prompt 2000 includes 1500 cached: 500 x 2.5e6 = 1.25e9; 1500 x 1.25e6 = 1.875e9; 100 x 1e7 = 1e9 output.
    // Total 4.125e9 pico = 4,125,000 nano.
    const c = cost("openai", "gpt-4o", { prompt: 2000, cacheRead: 1500, completion: 100 });
    assert.deepEqual(nonZero(c), { input: 1_250_000_000, cacheRead: 1_875_000_000, output: 1_000_000_000 });
    assert.equal(c.costNanos, 4_125_000);
  });

  test("reasoning tokens are split out of completion tokens at the output rate (o3)", () => {
    // completion 5000 includes 4500 reasoning. 100 x 2e6 = 2e8 input; 500 x 8e6 = 4e9 output;
    // 4500 x 8e6 = 3.6e10 reasoning. Total 4.02e10 pico = 40,200,000 nano = $0.0402.
    const c = cost("openai", "o3-2025-04-16", { prompt: 100, completion: 5000, reasoning: 4500 });
    assert.deepEqual(nonZero(c), { input: 200_000_000, output: 4_000_000_000, reasoning: 36_000_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.0402");
  });

  test("reasoning with cached input (gpt-5-mini)", () => {
    // prompt 10,000 with 8,000 cached; completion 3,000 with 2,500 reasoning.
    // 2000 x 250,000 = 5e8; 8000 x 25,000 = 2e8; 500 x 2e6 = 1e9; 2500 x 2e6 = 5e9. Total 6.7e9 pico.
    const c = cost("openai", "gpt-5-mini", { prompt: 10_000, cacheRead: 8_000, completion: 3_000, reasoning: 2_500 });
    assert.deepEqual(nonZero(c), {
      input: 500_000_000,
      cacheRead: 200_000_000,
      output: 1_000_000_000,
      reasoning: 5_000_000_000,
    });
    assert.equal(c.costNanos, 6_700_000);
  });

  test("audio tokens at the audio rates (gpt-4o-audio-preview)", () => {
    // prompt 1200 includes 1000 audio; completion 600 includes 500 audio.
    // Text in 200 x 2.5e6 = 5e8; audio in 1000 x 4e7 = 4e10; text out 100 x 1e7 = 1e9; audio out 500 x 8e7 = 4e10.
    // Total 8.15e10 pico = 81,500,000 nano = $0.0815.
    const c = cost("openai", "gpt-4o-audio-preview", {
      prompt: 1200,
      promptAudio: 1000,
      completion: 600,
      completionAudio: 500,
    });
    assert.deepEqual(nonZero(c), {
      input: 500_000_000,
      inputAudio: 40_000_000_000,
      output: 1_000_000_000,
      outputAudio: 40_000_000_000,
    });
    assert.equal(formatUsd(c.costNanos), "0.0815");
  });

  test("the first audio snapshot keeps its own audio price", () => {
    // Same tokens at $100 / $200 audio: 5e8 + 1000 x 1e8 + 1e9 + 500 x 2e8 = 2.015e11 pico = $0.2015.
    const c = cost("openai", "gpt-4o-audio-preview-2024-10-01", {
      prompt: 1200,
      promptAudio: 1000,
      completion: 600,
      completionAudio: 500,
    });
    assert.equal(formatUsd(c.costNanos), "0.2015");
  });

  test("mini audio (gpt-4o-mini-audio-preview)", () => {
    // 100 text in x 150,000 = 1.5e7; 400 audio in x 1e7 = 4e9; 50 text out x 600,000 = 3e7; 50 audio out x 2e7 = 1e9.
    // Total 5,045,000,000 pico = 5,045,000 nano.
    const c = cost("openai", "gpt-4o-mini-audio-preview", {
      prompt: 500,
      promptAudio: 400,
      completion: 100,
      completionAudio: 50,
    });
    assert.equal(c.costNanos, 5_045_000);
  });

  test("the smallest prices (gpt-5-nano, gpt-4.1-nano)", () => {
    // 10 x 50,000 + 1 x 400,000 = 900,000 pico = 900 nano = $0.0000009.
    assert.equal(formatUsd(cost("openai", "gpt-5-nano", { prompt: 10, completion: 1 }).costNanos), "0.0000009");
    // 1,000,000 cached tokens x 25,000 = 2.5e10 pico = $0.025.
    const nano = cost("openai", "gpt-4.1-nano", { prompt: 1_000_000, cacheRead: 1_000_000, completion: 0 });
    assert.deepEqual(nonZero(nano), { cacheRead: 25_000_000_000 });
    assert.equal(formatUsd(nano.costNanos), "0.025");
  });

  test("embeddings bill input only (text-embedding-3-small)", () => {
    // 8191 x 20,000 = 163,820,000 pico = 163,820 nano = $0.00016382.
    const c = cost("openai", "text-embedding-3-small", { prompt: 8191, completion: 0 });
    assert.equal(formatUsd(c.costNanos), "0.00016382");
  });

  test("a model without a cached rate bills cached tokens at the input rate (gpt-3.5-turbo)", () => {
    // 1000 prompt (600 cached) all at 500,000: 5e8; 1000 completion x 1.5e6 = 1.5e9. Total 2e9 pico = $0.002.
    const c = cost("openai", "gpt-3.5-turbo-0125", { prompt: 1000, cacheRead: 600, completion: 1000 });
    assert.deepEqual(nonZero(c), { input: 200_000_000, cacheRead: 300_000_000, output: 1_500_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.002");
  });
});
