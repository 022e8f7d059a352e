// Builds catalog prices from rates written as a provider's pricing page shows them, so the catalog can be
// checked against the page by eye: token rates in US dollars per million tokens, images per image, time per second.
import { parseScaled } from "./decimal.js";
import type { Price, PriceTier, RateName, Rates } from "./types.js";

/** Rates as decimal strings: token classes in USD per million tokens, `image` per image, `*Second` per second, `query` per query. */
export type ListRates = { readonly input: string; readonly output: string } & {
  readonly [K in Exclude<RateName, "input" | "output">]?: string;
};

/** A long-context tier in list form: the rates that apply when the prompt exceeds `abovePromptTokens`. */
export interface ListTier {
  readonly abovePromptTokens: number;
  readonly rates: Partial<ListRates>;
}

/** Classes priced per image, per second or per query rather than per million tokens. */
const PER_UNIT: ReadonlySet<RateName> = new Set(["image", "inputSecond", "outputSecond", "query"]);

/** One list rate in pico-dollars per unit; a malformed catalog entry is a programming error and throws. */
function toPico(name: RateName, text: string): number {
  // USD per million tokens -> pico-dollars per token is a shift of 12 - 6 decimal places.
  const parsed = parseScaled(text, PER_UNIT.has(name) ? 12 : 6, "pico-dollar per unit");
  if (!parsed.ok) throw new Error(`catalog rate ${name}: ${parsed.reason}`);
  return parsed.value;
}

function toRates(list: Partial<ListRates>): Partial<Rates> {
  const rates: Partial<Record<RateName, number>> = {};
  for (const [name, text] of Object.entries(list) as [RateName, string | undefined][]) {
    if (text !== undefined) rates[name] = toPico(name, text);
  }
  return rates;
}

/** A catalog price from list rates and optional long-context tiers (sorted here by threshold). */
export function listPrice(list: ListRates, tiers: readonly ListTier[] = []): Price {
  const rates = toRates(list) as Rates;
  const sorted = [...tiers].sort((a, b) => a.abovePromptTokens - b.abovePromptTokens);
  return {
    rates,
    tiers: sorted.map((tier): PriceTier => ({ abovePromptTokens: tier.abovePromptTokens, rates: toRates(tier.rates) })),
  };
}
