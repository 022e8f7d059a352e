// Exact decimal parsing: "0.0000025", "2.5e-6" or the number 2.5e-6 into an integer count of small units,
// without ever multiplying in floating point.

/** The outcome of parsing an amount: an integer, or the lowercase reason it was refused. */
export type Parsed = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

const DECIMAL = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** More digits than this can never be a safe integer (2^53 has 16). */
const MAX_DIGITS = 16;

/** A value for messages: strings quoted and cut at 40 characters, numbers as JavaScript prints them. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "nothing";
  return Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

/**
 * The text of an amount: a string as written, a number as its shortest round-trip form (`String(2.5e-6)` is
 * "0.0000025"), which is what the author of a YAML or JSON number meant. Undefined when not an amount.
 */
function amountText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `digits` x 10^exponent as an integer, or undefined when that is not an integer. */
function scaleDigits(digits: string, exponent: number): bigint | undefined {
  if (exponent >= 0) return BigInt(digits) * 10n ** BigInt(exponent);
  const cut = digits.length + exponent;
  if (cut < 0 || !/^0*$/.test(digits.slice(cut))) return undefined;
  return BigInt(digits.slice(0, cut) || "0");
}

/**
 * Parses a non-negative decimal amount given in whole units into an integer count of 10^-`scale` units:
 * with scale 12, dollars into pico-dollars. Refuses negatives, NaN, infinities, garbage, values finer than one
 * unit and values beyond Number.MAX_SAFE_INTEGER units; `unit` names the unit in those messages.
 */
export function parseScaled(value: unknown, scale: number, unit: string): Parsed {
  const text = amountText(value);
  const refuse = (reason: string): Parsed => ({ ok: false, reason });
  if (typeof value === "number" && !Number.isFinite(value)) return refuse(`expected a finite amount, got ${value}`);
  if (text?.startsWith("-")) return refuse(`expected a non-negative amount, got ${describe(value)}`);
  const match = text === undefined ? null : DECIMAL.exec(text);
  const whole = match?.[1] ?? "";
  const fraction = match?.[2] ?? "";
  if (match === null || whole + fraction === "") {
    return refuse(`expected a non-negative decimal amount such as 0.0000025 or 2.5e-6, got ${describe(value)}`);
  }
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return { ok: true, value: 0 };
  const exponent = Number(match[3] ?? "0") - fraction.length + scale;
  if (digits.length + exponent > MAX_DIGITS) return refuse(`${describe(value)} is too large`);
  const scaled = scaleDigits(digits, exponent);
  if (scaled === undefined) return refuse(`${describe(value)} is finer than 1 ${unit}, the smallest amount stored`);
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) return refuse(`${describe(value)} is too large`);
  return { ok: true, value: Number(scaled) };
}
