import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatUsd } from "./money.js";
import { cost, nonZero } from "./spec-helpers.js";

// Golden costs for Anthropic models. Token counts follow OpenAI's conventions, as the Anthropic adapter
// reports them: prompt = input_tokens + cache_read_input_tokens + cache_creation_input_tokens.

describe("Anthropic costs", () => {
  test("cache reads and 5-minute cache writes (claude-3-5-sonnet)", () => {
    // prompt 3000 = 1000 uncached + 1500 read + 500 written; completion 200.
    // 1000 x 3e6 = 3e9; 1500 x 3e5 = 4.5e8; 500 x 3.75e6 = 1.875e9; 200 x 1.5e7 = 3e9. Total 8.325e9 pico.
    const c = cost("anthropic", "claude-3-5-sonnet-20241022", {
      prompt: 3000,
      cacheRead: 1500,
      cacheWrite: 500,
      completion: 200,
    });
    assert.deepEqual(nonZero(c), {
      input: 3_000_000_000,
      cacheRead: 450_000_000,
      cacheWrite: 1_875_000_000,
      output: 3_000_000_000,
    });
    assert.equal(c.costNanos, 8_325_000);
    assert.equal(formatUsd(c.costNanos), "0.008325");
  });

  test("a pure cache write (claude-opus-4-1)", () => {
    // 10,000 written x 18,750,000 = 1.875e11 pico = $0.1875.
    const c = cost("anthropic", "claude-opus-4-1-20250805", { prompt: 10_000, cacheWrite: 10_000, completion: 0 });
    assert.deepEqual(nonZero(c), { cacheWrite: 187_500_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.1875");
  });

  test("the cheapest model (claude-3-haiku)", () => {
    // 1000 x 250,000 = 2.5e8; 1000 x 1,250,000 = 1.25e9. Total 1.5e9 pico = $0.0015.
    assert.equal(
      formatUsd(cost("anthropic", "claude-3-haiku-20240307", { prompt: 1000, completion: 1000 }).costNanos),
      "0.0015",
    );
  });

  test("extended thinking is billed as output (claude-opus-4-5)", () => {
    // completion 3000 includes 2000 thinking. 100 x 5e6 = 5e8; 1000 x 2.5e7 = 2.5e10; 2000 x 2.5e7 = 5e10.
    // Total 7.55e10 pico = 75,500,000 nano.
    const c = cost("anthropic", "claude-opus-4-5", { prompt: 100, completion: 3000, reasoning: 2000 });
    assert.deepEqual(nonZero(c), { input: 500_000_000, output: 25_000_000_000, reasoning: 50_000_000_000 });
    assert.equal(c.costNanos, 75_500_000);
  });

  test("haiku 4.5 with reads and writes", () => {
    // prompt 5000 = 1000 + 3000 read + 1000 written; completion 500.
    // 1000 x 1e6 = 1e9; 3000 x 1e5 = 3e8; 1000 x 1.25e6 = 1.25e9; 500 x 5e6 = 2.5e9. Total 5.05e9 pico.
    const c = cost("anthropic", "claude-haiku-4-5", {
      prompt: 5000,
      cacheRead: 3000,
      cacheWrite: 1000,
      completion: 500,
    });
    assert.equal(c.costNanos, 5_050_000);
  });
});

describe("Anthropic long-context tier (claude-sonnet-4-5)", () => {
  test("exactly 200,000 prompt tokens is still the base tier", () => {
    // 200,000 x 3e6 = 6e11; 1000 x 1.5e7 = 1.5e10. Total 6.15e11 pico = $0.615.
    const c = cost("anthropic", "claude-sonnet-4-5-20250929", { prompt: 200_000, completion: 1000 });
    assert.deepEqual(nonZero(c), { input: 600_000_000_000, output: 15_000_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.615");
  });

  test("one token more prices the whole request at the long-context rates", () => {
    // 200,001 x 6e6 = 1,200,006,000,000; 1000 x 2.25e7 = 2.25e10 (output too). Total 1,222,506,000,000 pico.
    const c = cost("anthropic", "claude-sonnet-4-5-20250929", { prompt: 200_001, completion: 1000 });
    assert.deepEqual(nonZero(c), { input: 1_200_006_000_000, output: 22_500_000_000 });
    assert.equal(formatUsd(c.costNanos), "1.222506");
  });

  test("cache reads and writes count toward the threshold and take the long-context cache rates", () => {
    // prompt 200,001 = 50,001 uncached + 100,000 read + 50,000 written; completion 1000.
    // 50,001 x 6e6 = 300,006,000,000; 100,000 x 6e5 = 6e10; 50,000 x 7.5e6 = 3.75e11; 1000 x 2.25e7 = 2.25e10.
    // Total 757,506,000,000 pico = $0.757506.
    const c = cost("anthropic", "claude-sonnet-4-5", {
      prompt: 200_001,
      cacheRead: 100_000,
      cacheWrite: 50_000,
      completion: 1000,
    });
    assert.deepEqual(nonZero(c), {
      input: 300_006_000_000,
      cacheRead: 60_000_000_000,
      cacheWrite: 375_000_000_000,
      output: 22_500_000_000,
    });
    assert.equal(formatUsd(c.costNanos), "0.757506");
  });

  test("the same request below the threshold uses the base cache rates", () => {
    // prompt 200,000 = 50,000 + 100,000 read + 50,000 written.
    // 50,000 x 3e6 = 1.5e11; 100,000 x 3e5 = 3e10; 50,000 x 3.75e6 = 1.875e11; 1000 x 1.5e7 = 1.5e10. Total 3.825e11.
    const c = cost("anthropic", "claude-sonnet-4-5", {
      prompt: 200_000,
      cacheRead: 100_000,
      cacheWrite: 50_000,
      completion: 1000,
    });
    assert.equal(formatUsd(c.costNanos), "0.3825");
  });

  test("Sonnet 4 has the same tier; Opus 4.5 has none", () => {
    // Sonnet 4 at 250,000: 250,000 x 6e6 = 1.5e12 pico = $1.5. Opus 4.5 at 250,000: 250,000 x 5e6 = 1.25e12 = $1.25.
    assert.equal(
      formatUsd(cost("anthropic", "claude-sonnet-4-20250514", { prompt: 250_000, completion: 0 }).costNanos),
      "1.5",
    );
    assert.equal(formatUsd(cost("anthropic", "claude-opus-4-5", { prompt: 250_000, completion: 0 }).costNanos), "1.25");
  });
});
