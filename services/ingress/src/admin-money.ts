// Money in the admin API: LiteLLM's float dollars in, exact integer nano-dollars (1e-9 USD) to the policy, and both
// out. Nothing here multiplies in floating point: an amount is read from its decimal text.

import { formatUsd } from "@switchyard/pricing";
import { invalidRequest } from "@switchyard/runtime";

/** The largest amount the policy stores: int64, so every later sum or comparison stays exact. */
export const MAX_NANOS = (1n << 63n) - 1n;

/** Decimal places of a dollar amount in nano-dollars. */
const NANO_DIGITS = 9;
/** Every decimal of at most 15 significant digits survives a round trip through a double, and no longer one does. */
const EXACT_DIGITS = 15;
const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;
const NUMBER_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;
const INTEGER_TEXT = /^\d{1,19}$/;

function refuse(field: string, reason: string) {
  return invalidRequest(`${field}: ${reason}`, field);
}

/** `digits` x 10^`exponent` nano-dollars as an integer; undefined when finer than one nano-dollar. */
function scale(digits: string, exponent: number): bigint | undefined {
  if (exponent >= 0) return BigInt(digits) * 10n ** BigInt(exponent);
  const cut = digits.length + exponent;
  if (cut <= 0) return /^0*$/.test(digits) ? 0n : undefined;
  return /^0*$/.test(digits.slice(cut)) ? BigInt(digits.slice(0, cut)) : undefined;
}

/** The decimal digits and exponent of a number, from JavaScript's shortest round-trip form (what the author wrote). */
function numberParts(value: number, field: string): [string, number] {
  const match = NUMBER_TEXT.exec(String(value));
  if (!match) throw refuse(field, "expected a non-negative dollar amount");
  const [, whole = "", fraction = "", exponent = "0"] = match;
  const significant = (whole + fraction).replace(/^0+/, "").replace(/0+$/, "");
  if (significant.length > EXACT_DIGITS) {
    throw refuse(field, `a JSON number carries at most ${EXACT_DIGITS} digits exactly: send the amount as a string`);
  }
  return [whole + fraction, Number(exponent) - fraction.length];
}

/**
 * Reads a dollar amount, a JSON number (`12.5`) or a decimal string (`"12.5"`), into integer nano-dollars, exactly.
 * Refuses negatives, NaN, infinities, exponents in strings, more than 9 decimals (finer than a nano-dollar) and
 * amounts above 2^63-1 nano-dollars, with a 400 naming `field`.
 */
export function parseDollars(value: unknown, field: string): bigint {
  let digits: string;
  let exponent: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw refuse(field, "expected a finite dollar amount");
    if (value < 0) throw refuse(field, "expected a non-negative dollar amount");
    [digits, exponent] = numberParts(value, field);
  } else if (typeof value === "string") {
    if (value.startsWith("-")) throw refuse(field, "expected a non-negative dollar amount");
    const match = DECIMAL_TEXT.exec(value);
    if (!match) throw refuse(field, 'expected a decimal dollar amount such as 12.5 or "12.5"');
    const [, whole = "", fraction = ""] = match;
    [digits, exponent] = [whole + fraction, -fraction.length];
  } else {
    throw refuse(field, "expected a dollar amount (a number or a decimal string)");
  }
  if (digits.replace(/^0+/, "").length + exponent + NANO_DIGITS > 20) throw refuse(field, "amount is too large");
  const nanos = scale(digits, exponent + NANO_DIGITS);
  if (nanos === undefined) throw refuse(field, "expected at most 9 decimals (1 nano-dollar)");
  if (nanos > MAX_NANOS) throw refuse(field, "amount is too large");
  return nanos;
}

/** Reads an exact amount of nano-dollars: an integer string ("12500000000") or a safe JSON integer. */
export function parseNanos(value: unknown, field: string): bigint {
  const text = typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text !== "string" || !INTEGER_TEXT.test(text)) {
    throw refuse(field, "expected a non-negative integer number of nano-dollars");
  }
  const nanos = BigInt(text);
  if (nanos > MAX_NANOS) throw refuse(field, "amount is too large");
  return nanos;
}

/** Nano-dollars as LiteLLM's float dollars: the nearest double to the exact amount. */
export function dollars(nanos: bigint): number {
  return Number(formatUsd(nanos));
}

/** A money field as the API renders it: `name` in float dollars and `name_nanos` exact, both null when unset. */
export function moneyFields(name: string, nanos: bigint | undefined): Record<string, number | string | null> {
  return {
    [name]: nanos === undefined ? null : dollars(nanos),
    [`${name}_nanos`]: nanos === undefined ? null : nanos.toString(),
  };
}
