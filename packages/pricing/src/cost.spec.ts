import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { costOf, effectiveRates } from "./cost.js";
import { formatUsd } from "./money.js";
import { resolvePrice } from "./resolve.js";
import { cost, deployment, nonZero } from "./spec-helpers.js";
import type { ResolvedPrice } from "./types.js";

describe("costOf", () => {
  test("the mock provider has a small nonzero price", () => {
    // prompt 1000 with 400 cached, completion 300: 600 x 1e6 = 6e8; 400 x 1e5 = 4e7; 300 x 2e6 = 6e8.
    // Total 1.24e9 pico = 1,240,000 nano = $0.00124.
    const c = cost("mock", "echo", { prompt: 1000, cacheRead: 400, completion: 300 });
    assert.deepEqual(nonZero(c), { input: 600_000_000, cacheRead: 40_000_000, output: 600_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.00124");
    assert.equal(c.version, "2026-12-06");
  });

  test("an unpriced deployment costs 0 and says so in its version", () => {
    const resolved = resolvePrice(deployment("openai", "my-finetune"));
    assert.deepEqual(resolved, { price: undefined, version: "2026-12-06:unpriced", source: "unpriced", warnings: [] });
    const c = costOf({ prompt: 1_000_000, completion: 1_000_000 }, resolved);
    assert.equal(c.costNanos, 0);
    assert.equal(c.pico, 0n);
    assert.equal(c.version, "2026-12-06:unpriced");
    assert.deepEqual(nonZero(c), {});
  });

  test("images are billed per image", () => {
    // $0.01 per image = 1e10 pico; 3 images = 3e10 pico = $0.03, on top of 10 x 1e6 pico of input.
    const c = cost(
      "openai",
      "vision",
      { prompt: 10, completion: 0, images: 3 },
      {
        params: { input_cost_per_token: "0.000001", input_cost_per_image: 0.01 },
      },
    );
    assert.deepEqual(nonZero(c), { input: 10_000_000, image: 30_000_000_000 });
    assert.equal(formatUsd(c.costNanos), "0.03001");
  });

  test("seconds are billed per millisecond at the per-second rates", () => {
    // $0.0001/s = 1e8 pico/s in, $0.00005/s = 5e7 pico/s out; 12.345 s = 12,345 ms.
    // In: 12,345 x 1e8 / 1000 = 1,234,500,000 pico; out: 12,345 x 5e7 / 1000 = 617,250,000 pico.
    // Total 1,851,750,000 pico = 1,851,750 nano.
    const parts = { params: { input_cost_per_second: "0.0001", output_cost_per_second: "0.00005" } };
    const c = cost("openai", "whisper-host", { prompt: 0, completion: 0, seconds: 12.345 }, parts);
    assert.deepEqual(nonZero(c), { inputSecond: 1_234_500_000, outputSecond: 617_250_000 });
    assert.equal(c.costNanos, 1_851_750);
  });

  test("a per-second rate finer than a nano-dollar is rounded half up to the pico-dollar", () => {
    // 1 pico/s for 1.5 s: 1500 x 1 / 1000 = 1.5 pico -> 2 pico; 1.4 s -> 1.4 pico -> 1 pico.
    const parts = { params: { input_cost_per_second: "1e-12" } };
    assert.equal(cost("openai", "x", { prompt: 0, completion: 0, seconds: 1.5 }, parts).pico, 2n);
    assert.equal(cost("openai", "x", { prompt: 0, completion: 0, seconds: 1.4 }, parts).pico, 1n);
  });

  test("reads malformed counts as 0 and clamps the split classes at 0, never throwing", () => {
    const resolved = resolvePrice(deployment("openai", "gpt-4o"));
    // Cached more than prompt (inconsistent upstream): no negative input; the 50 cached are still billed.
    // 50 x 1.25e6 = 62,500,000 pico; 10.9 completion reads as 10: 10 x 1e7 = 1e8 pico.
    const odd = costOf({ prompt: 20, cacheRead: 50, completion: 10.9, reasoning: Number.NaN, images: -3 }, resolved);
    assert.deepEqual(nonZero(odd), { cacheRead: 62_500_000, output: 100_000_000 });
    assert.equal(odd.costNanos, 162_500);
    const garbage = { prompt: "12", completion: null } as unknown as { prompt: number; completion: number };
    assert.equal(costOf(garbage, resolved).costNanos, 0);
  });

  test("caps the total at the largest safe integer", () => {
    // $9000 per token x 2^32 tokens is far beyond 2^53 nano-dollars.
    const c = cost("openai", "x", { prompt: 2 ** 32, completion: 0 }, { params: { input_cost_per_token: 9000 } });
    assert.equal(c.costNanos, Number.MAX_SAFE_INTEGER);
    assert.equal(c.pico, 9_000_000_000_000_000n * 2n ** 32n);
  });

  test("tiers above each other apply in ascending order", () => {
    const resolved: ResolvedPrice = {
      price: {
        rates: { input: 10, output: 20 },
        tiers: [
          { abovePromptTokens: 100, rates: { input: 30, output: 40 } },
          { abovePromptTokens: 200, rates: { input: 50 } },
        ],
      },
      version: "test",
      source: "config",
      warnings: [],
    };
    // 100 tokens: base (10 in, 20 out); 101: first tier; 201: input 50 and the first tier's output 40.
    assert.deepEqual(pick(effectiveRates(resolved.price!, 100)), [10, 20]);
    assert.deepEqual(pick(effectiveRates(resolved.price!, 101)), [30, 40]);
    assert.deepEqual(pick(effectiveRates(resolved.price!, 201)), [50, 40]);
    // 201 x 50 + 1 x 40 = 10,090 pico.
    assert.equal(costOf({ prompt: 201, completion: 1 }, resolved).pico, 10_090n);
  });
});

function pick(rates: { input: number; output: number }): [number, number] {
  return [rates.input, rates.output];
}

describe("exactness", () => {
  test("a million requests summed as integers equal the cost of their tokens at once; floats drift", () => {
    const resolved = resolvePrice(deployment("openai", "gpt-4o"));
    // One request: 234 x 2.5e6 + 1000 x 1.25e6 + 77 x 1e7 = 585,000,000 + 1,250,000,000 + 770,000,000
    // = 2,605,000,000 pico = 2,605,000 nano, exact, so no rounding is involved.
    const one = { prompt: 1234, cacheRead: 1000, completion: 77 };
    let nanos = 0;
    let dollars = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const c = costOf(one, resolved);
      nanos += c.costNanos;
      dollars += c.costNanos / 1e9;
    }
    const atOnce = costOf({ prompt: 1_234_000_000, cacheRead: 1_000_000_000, completion: 77_000_000 }, resolved);
    assert.equal(nanos, 2_605_000_000_000);
    assert.equal(atOnce.costNanos, 2_605_000_000_000);
    assert.equal(formatUsd(nanos), "2605");
    // The same sum in float dollars is not 2605.
    assert.notEqual(dollars, 2605);
  });

  test("sub-nano prices: pico totals add up exactly, nano totals carry one documented rounding each", () => {
    // $0.0000000005 per token = 500 pico: one token is 500 pico, rounded half up to 1 nano.
    const resolved = resolvePrice(deployment("openai", "tiny", { params: { input_cost_per_token: "0.0000000005" } }));
    let pico = 0n;
    let nanos = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const c = costOf({ prompt: 1, completion: 0 }, resolved);
      pico += c.pico;
      nanos += c.costNanos;
    }
    const atOnce = costOf({ prompt: 1_000_000, completion: 0 }, resolved);
    // 1e6 x 500 pico = 5e8 pico = 500,000 nano at once; per request each rounds up to 1 nano.
    assert.equal(pico, atOnce.pico);
    assert.equal(atOnce.costNanos, 500_000);
    assert.equal(nanos, 1_000_000);
  });
});
