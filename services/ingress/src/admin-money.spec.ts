import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GatewayError } from "@switchyard/runtime";
import { dollars, MAX_NANOS, moneyFields, parseDollars, parseNanos } from "./admin-money.js";

const refuses = (value: unknown, reason: RegExp) =>
  assert.throws(
    () => parseDollars(value, "max_budget"),
    (err: GatewayError) =>
      err.detail.param === "max_budget" && err.detail.httpStatus === 400 && reason.test(err.message),
    String(value),
  );

describe("parseDollars", () => {
  it("reads numbers and decimal strings exactly, to the nano-dollar", () => {
    const cases: [unknown, bigint][] = [
      [0, 0n],
      [-0, 0n],
      [10, 10_000_000_000n],
      [12.5, 12_500_000_000n],
      ["12.5", 12_500_000_000n],
      [0.1, 100_000_000n],
      [0.3, 300_000_000n],
      [0.000000001, 1n],
      ["0.000000001", 1n],
      [1e-7, 100n],
      [123456.123456789, 123_456_123_456_789n],
      ["1.500000000000", 1_500_000_000n],
      ["0009.5", 9_500_000_000n],
      [1e9, 1_000_000_000_000_000_000n],
      ["9223372036.854775807", MAX_NANOS],
    ];
    for (const [value, nanos] of cases) assert.equal(parseDollars(value, "max_budget"), nanos, String(value));
  });

  it("never goes through floating point: 0.1 + 0.2 style amounts stay exact", () => {
    assert.equal(parseDollars(0.1, "f") + parseDollars(0.2, "f"), parseDollars(0.3, "f"));
    assert.equal(parseDollars(19.99, "f"), 19_990_000_000n);
  });

  it("refuses negatives, NaN, infinities and non-amounts, naming the field", () => {
    refuses(-1, /non-negative/);
    refuses(-0.000000001, /non-negative/);
    refuses("-1", /non-negative/);
    refuses(Number.NaN, /finite/);
    refuses(Number.POSITIVE_INFINITY, /finite/);
    refuses("NaN", /decimal dollar amount/);
    refuses("Infinity", /decimal dollar amount/);
    refuses("1e3", /decimal dollar amount/);
    refuses(" 1", /decimal dollar amount/);
    refuses("1.", /decimal dollar amount/);
    refuses("", /decimal dollar amount/);
    refuses("0x10", /decimal dollar amount/);
    refuses(true, /number or a decimal string/);
    refuses({}, /number or a decimal string/);
    refuses([1], /number or a decimal string/);
  });

  it("refuses more than 9 decimals and amounts past int64", () => {
    refuses(0.0000000001, /at most 9 decimals/);
    refuses("0.0000000015", /at most 9 decimals/);
    refuses(1.1234567891, /at most 9 decimals/);
    refuses("9223372036.854775808", /too large/);
    refuses(1e300, /too large/);
    refuses(`1${"0".repeat(5000)}`, /too large/);
  });

  it("refuses JSON numbers too long to be exact, pointing to strings", () => {
    refuses(12345678.123456789, /send the amount as a string/);
    assert.equal(parseDollars("12345678.123456789", "f"), 12_345_678_123_456_789n);
  });
});

describe("parseNanos", () => {
  it("reads integer strings and safe integers", () => {
    assert.equal(parseNanos("12500000000", "f"), 12_500_000_000n);
    assert.equal(parseNanos(42, "f"), 42n);
    assert.equal(parseNanos(MAX_NANOS.toString(), "f"), MAX_NANOS);
  });

  it("refuses anything else", () => {
    for (const bad of ["-1", "1.5", "1e3", "", 1.5, -1, 2 ** 60, (MAX_NANOS + 1n).toString(), null, "１"]) {
      assert.throws(() => parseNanos(bad, "max_budget_nanos"), /max_budget_nanos: /, String(bad));
    }
  });
});

describe("rendering", () => {
  it("renders float dollars beside the exact nanos, null when unset", () => {
    assert.equal(dollars(12_500_000_000n), 12.5);
    assert.deepEqual(moneyFields("max_budget", 1n), { max_budget: 1e-9, max_budget_nanos: "1" });
    assert.deepEqual(moneyFields("max_budget", undefined), { max_budget: null, max_budget_nanos: null });
    assert.equal(moneyFields("spend", MAX_NANOS)["spend_nanos"], "9223372036854775807");
  });
});
