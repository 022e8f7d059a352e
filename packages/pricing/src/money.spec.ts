import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseScaled } from "./decimal.js";
import { formatUsd, parsePico, picoToNanos } from "./money.js";
import { configErrorOf } from "./spec-helpers.js";

const AT = "model_list[0].litellm_params.input_cost_per_token";

describe("parsePico", () => {
  test("reads decimal and exponent strings exactly", () => {
    // $0.0000025 per token = 2.5e-6 * 1e12 = 2,500,000 pico-dollars.
    assert.equal(parsePico("0.0000025", AT), 2_500_000);
    assert.equal(parsePico("2.5e-6", AT), 2_500_000);
    assert.equal(parsePico("2.5E-6", AT), 2_500_000);
    assert.equal(parsePico("+25e-7", AT), 2_500_000);
    assert.equal(parsePico("  0.000003  ", AT), 3_000_000);
    // 1e-12 is the smallest amount: exactly 1 pico-dollar.
    assert.equal(parsePico("1e-12", AT), 1);
    assert.equal(parsePico("0.000000000001", AT), 1);
    // Whole dollars: "1." = 1e12 pico, ".5" = 5e11 pico, "1e3" = $1000 = 1e15 pico.
    assert.equal(parsePico("1.", AT), 1_000_000_000_000);
    assert.equal(parsePico(".5", AT), 500_000_000_000);
    assert.equal(parsePico("1e3", AT), 1_000_000_000_000_000);
    // Zero in any spelling, including an exponent far below the pico range.
    assert.equal(parsePico("0", AT), 0);
    assert.equal(parsePico("0.000", AT), 0);
    assert.equal(parsePico("0e-50", AT), 0);
  });

  test("reads YAML numbers through their shortest string form", () => {
    // String(2.5e-6) is "0.0000025"; 2.5e-6 * 1e12 in floating point would be 2500000.0000000005.
    assert.equal(parsePico(2.5e-6, AT), 2_500_000);
    // String(1e-7) is "1e-7" -> 100,000 pico; String(7.5e-8) is "7.5e-8" -> 75,000 pico.
    assert.equal(parsePico(1e-7, AT), 100_000);
    assert.equal(parsePico(0.075e-6, AT), 75_000);
    // 0.1 + 0.2 is 0.30000000000000004 as a double: written that way it is finer than a pico-dollar.
    assert.equal(parsePico(0.3, AT), 300_000_000_000);
    assert.equal(parsePico(0, AT), 0);
    assert.equal(parsePico(-0, AT), 0);
  });

  test("refuses amounts finer than one pico-dollar, naming the config path", () => {
    assert.equal(
      configErrorOf(() => parsePico("1e-13", AT)),
      `${AT}: "1e-13" is finer than 1 pico-dollar (1e-12 USD), the smallest amount stored`,
    );
    assert.equal(
      configErrorOf(() => parsePico("0.0000000000015", AT)),
      `${AT}: "0.0000000000015" is finer than 1 pico-dollar (1e-12 USD), the smallest amount stored`,
    );
    // A float that LiteLLM's JSON really contains (databricks-claude-3-7-sonnet): 17 significant digits.
    assert.match(
      configErrorOf(() => parsePico(2.9999900000000002e-6, AT)),
      /is finer than 1 pico-dollar/,
    );
    assert.match(
      configErrorOf(() => parsePico(0.1 + 0.2, AT)),
      /0\.30000000000000004 is finer than 1 pico-dollar/,
    );
  });

  test("refuses negatives, NaN, infinities, garbage and amounts beyond a safe integer", () => {
    const reasons: [unknown, string][] = [
      ["-1", 'expected a non-negative amount, got "-1"'],
      [-0.5, "expected a non-negative amount, got -0.5"],
      [Number.NaN, "expected a finite amount, got NaN"],
      [Number.POSITIVE_INFINITY, "expected a finite amount, got Infinity"],
      ["abc", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "abc"'],
      ["", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got ""'],
      [".", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "."'],
      ["1e", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "1e"'],
      ["0x10", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "0x10"'],
      ["1,5", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "1,5"'],
      ["NaN", 'expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got "NaN"'],
      [true, "expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got true"],
      [[1], "expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got a list"],
      // $1e5 = 1e17 pico > 2^53; "1e999999" must not build a million-digit BigInt.
      ["1e5", '"1e5" is too large'],
      ["1e999999", '"1e999999" is too large'],
    ];
    for (const [value, reason] of reasons) {
      assert.equal(
        configErrorOf(() => parsePico(value, AT)),
        `${AT}: ${reason}`,
      );
    }
  });

  test("parseScaled shifts by any scale", () => {
    // "2.50" USD per million tokens at scale 6 = 2,500,000 pico per token.
    assert.deepEqual(parseScaled("2.50", 6, "unit"), { ok: true, value: 2_500_000 });
    assert.deepEqual(parseScaled("0.0000005", 6, "unit"), {
      ok: false,
      reason: '"0.0000005" is finer than 1 unit, the smallest amount stored',
    });
  });
});

describe("picoToNanos", () => {
  test("rounds half up", () => {
    // 1 nano = 1000 pico: 499 -> 0, 500 -> 1, 1499 -> 1, 1500 -> 2, 2500 -> 3 (half up, not half even).
    assert.deepEqual([0n, 499n, 500n, 1_499n, 1_500n, 2_500n].map(picoToNanos), [0n, 0n, 1n, 1n, 2n, 3n]);
    // Symmetric for negative amounts (refunds): -500 pico -> -1 nano.
    assert.equal(picoToNanos(-500n), -1n);
  });
});

describe("formatUsd", () => {
  test("prints nano-dollars as exact dollars without trailing zeros", () => {
    assert.equal(formatUsd(0), "0");
    assert.equal(formatUsd(1), "0.000000001");
    assert.equal(formatUsd(123_456), "0.000123456");
    assert.equal(formatUsd(12_500_000_000), "12.5");
    assert.equal(formatUsd(1_000_000_000), "1");
    assert.equal(formatUsd(7_500_000), "0.0075");
    assert.equal(formatUsd(-1_500_000_000), "-1.5");
    assert.equal(formatUsd(Number.MAX_SAFE_INTEGER), "9007199.254740991");
    assert.equal(formatUsd(10n ** 18n), "1000000000");
  });

  test("refuses a number that is not an integer", () => {
    assert.throws(() => formatUsd(1.5), {
      name: "RangeError",
      message: "expected an integer number of nano-dollars, got 1.5",
    });
  });
});
