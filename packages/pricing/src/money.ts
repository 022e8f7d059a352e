// Money units: prices read into pico-dollars, totals rounded once to nano-dollars, nano-dollars shown as dollars.
import { ConfigError } from "@switchyard/config";
import { parseScaled } from "./decimal.js";

/** Pico-dollars (1e-12 USD) in one nano-dollar (1e-9 USD). */
export const PICOS_PER_NANO = 1000n;

/** Decimal places of a dollar amount in nano-dollars. */
const NANO_DIGITS = 9;

/**
 * Reads a price in US dollars per unit (a YAML number or a decimal string) into pico-dollars per unit.
 * Throws a ConfigError naming `path` for negatives, NaN, garbage and values finer than one pico-dollar.
 */
export function parsePico(value: unknown, path: string): number {
  const parsed = parseScaled(value, 12, "pico-dollar (1e-12 USD)");
  if (parsed.ok) return parsed.value;
  throw new ConfigError([{ path, reason: parsed.reason }]);
}

/** Converts pico-dollars to nano-dollars, rounding half up: 499 pico -> 0, 500 pico -> 1 nano. */
export function picoToNanos(pico: bigint): bigint {
  return pico >= 0n ? (pico + PICOS_PER_NANO / 2n) / PICOS_PER_NANO : -picoToNanos(-pico);
}

/**
 * Nano-dollars as an exact decimal dollar amount with no trailing zeros: 123456 -> "0.000123456",
 * 12_500_000_000 -> "12.5", 0 -> "0". Throws a RangeError for a number that is not an integer.
 */
export function formatUsd(nanos: number | bigint): string {
  if (typeof nanos === "number" && !Number.isInteger(nanos)) {
    throw new RangeError(`expected an integer number of nano-dollars, got ${nanos}`);
  }
  const value = BigInt(nanos);
  const digits = (value < 0n ? -value : value).toString().padStart(NANO_DIGITS + 1, "0");
  const whole = digits.slice(0, -NANO_DIGITS);
  const fraction = digits.slice(-NANO_DIGITS).replace(/0+$/, "");
  const sign = value < 0n ? "-" : "";
  return fraction === "" ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}
