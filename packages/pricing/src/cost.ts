// The cost of one attempt: token classes split out of OpenAI-style totals, priced in pico-dollars with BigInt,
// rounded once to nano-dollars at the end.
import { picoToNanos } from "./money.js";
import {
  type Breakdown,
  type Cost,
  type Price,
  RATE_NAMES,
  type RateName,
  type ResolvedPrice,
  type TokenCounts,
} from "./types.js";

/** Every rate set, after the fallbacks of unset classes. */
type FullRates = { readonly [K in RateName]: number };

/** Units billed per class. */
type Units = { readonly [K in RateName]: number };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A count or rate as a non-negative safe integer: NaN, negatives and non-numbers read as 0, fractions are cut. */
function count(value: number | undefined): number {
  return typeof value === "number" && value > 0 ? Math.floor(Math.min(value, Number.MAX_SAFE_INTEGER)) : 0;
}

/**
 * The rates that apply to a request with `prompt` tokens: the base rates with every tier the prompt exceeds laid
 * over them in ascending order, then the fallbacks of unset classes. Rates are sanitised like counts, so a
 * hand-built catalog cannot make costOf throw.
 */
export function effectiveRates(price: Price, prompt: number): FullRates {
  let rates: Partial<Record<RateName, number>> = price.rates;
  for (const tier of price.tiers) {
    if (prompt > tier.abovePromptTokens) rates = { ...rates, ...tier.rates };
  }
  const input = count(rates.input);
  const output = count(rates.output);
  return {
    input,
    cacheRead: count(rates.cacheRead ?? input),
    cacheWrite: count(rates.cacheWrite ?? input),
    inputAudio: count(rates.inputAudio ?? input),
    output,
    reasoning: count(rates.reasoning ?? output),
    outputAudio: count(rates.outputAudio ?? output),
    image: count(rates.image),
    inputSecond: count(rates.inputSecond),
    outputSecond: count(rates.outputSecond),
    query: count(rates.query),
  };
}

/** Splits OpenAI-style totals into disjoint classes; the text classes never go below 0. */
function unitsOf(tokens: TokenCounts): Units {
  const cacheRead = count(tokens.cacheRead);
  const cacheWrite = count(tokens.cacheWrite);
  const inputAudio = count(tokens.promptAudio);
  const reasoning = count(tokens.reasoning);
  const outputAudio = count(tokens.completionAudio);
  // Milliseconds: per-second rates are applied per millisecond, see secondsPico.
  const millis = typeof tokens.seconds === "number" && tokens.seconds > 0 ? Math.round(tokens.seconds * 1000) : 0;
  return {
    input: Math.max(0, count(tokens.prompt) - cacheRead - cacheWrite - inputAudio),
    cacheRead,
    cacheWrite,
    inputAudio,
    output: Math.max(0, count(tokens.completion) - reasoning - outputAudio),
    reasoning,
    outputAudio,
    image: count(tokens.images),
    inputSecond: count(millis),
    outputSecond: count(millis),
    query: count(tokens.queries),
  };
}

/** Milliseconds at a per-second rate, rounded half up to the pico-dollar (exact for rates in whole nano-dollars). */
function secondsPico(millis: number, picoPerSecond: number): bigint {
  return (BigInt(millis) * BigInt(picoPerSecond) + 500n) / 1000n;
}

const ZERO: Breakdown = Object.fromEntries(RATE_NAMES.map((name) => [name, 0n])) as Record<RateName, bigint>;

/**
 * The cost of one attempt at `resolved`'s price. Never throws: an unpriced deployment costs 0, malformed counts
 * read as 0. Each class is units x rate in pico-dollars (BigInt, exact); the total is rounded once, half up, to
 * nano-dollars, and capped at Number.MAX_SAFE_INTEGER (about 9 million dollars) so it stays a safe integer.
 */
export function costOf(tokens: TokenCounts, resolved: ResolvedPrice): Cost {
  const { version } = resolved;
  if (resolved.price === undefined) return { costNanos: 0, pico: 0n, breakdown: ZERO, version };
  const units = unitsOf(tokens);
  const rates = effectiveRates(resolved.price, count(tokens.prompt));
  const breakdown = {} as Record<RateName, bigint>;
  let pico = 0n;
  for (const name of RATE_NAMES) {
    const perSecond = name === "inputSecond" || name === "outputSecond";
    const value = perSecond ? secondsPico(units[name], rates[name]) : BigInt(units[name]) * BigInt(rates[name]);
    breakdown[name] = value;
    pico += value;
  }
  const nanos = picoToNanos(pico);
  return { costNanos: Number(nanos > MAX_SAFE ? MAX_SAFE : nanos), pico, breakdown, version };
}
