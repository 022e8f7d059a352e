// The shapes of prices, token counts and costs. Every amount of money is an integer: rates in pico-dollars
// (1e-12 USD) per unit, costs in pico-dollars until the one rounding to nano-dollars (1e-9 USD).
import type { ProviderId } from "@switchyard/config";

/**
 * The priced classes, in the order a breakdown lists them. Token classes are priced per token, `image` per
 * image and the `*Second` classes per second of the attempt.
 */
export const RATE_NAMES = [
  "input",
  "cacheRead",
  "cacheWrite",
  "inputAudio",
  "output",
  "reasoning",
  "outputAudio",
  "image",
  "inputSecond",
  "outputSecond",
  "query",
] as const;

/** One priced class. */
export type RateName = (typeof RATE_NAMES)[number];

/**
 * Rates in pico-dollars per unit (`query`: per rerank search unit), each a non-negative safe integer. `input` and `output` are always set; an
 * unset class falls back as documented in the README: cache reads, cache writes and audio input to `input`,
 * reasoning and audio output to `output`, images and seconds to 0.
 */
export type Rates = { readonly input: number; readonly output: number } & {
  readonly [K in Exclude<RateName, "input" | "output">]?: number;
};

/** A long-context tier: when a request's prompt tokens exceed `abovePromptTokens`, `rates` replace the base ones. */
export interface PriceTier {
  readonly abovePromptTokens: number;
  readonly rates: Partial<Rates>;
}

/** The price of one model: base rates and long-context tiers sorted by ascending threshold. */
export interface Price {
  readonly rates: Rates;
  readonly tiers: readonly PriceTier[];
}

/**
 * A versioned price list keyed by provider and model. A model key `*` prices every model of its provider
 * that has no entry of its own (the mock provider's flat price).
 */
export interface Catalog {
  /** The date the list prices were last checked, `YYYY-MM-DD`; it names every cost computed from them. */
  readonly version: string;
  readonly prices: { readonly [P in ProviderId]: Readonly<Record<string, Price>> };
}

/** Where a deployment's price came from. */
export type PriceSource = "catalog" | "config" | "catalog+config" | "unpriced";

/** The price a deployment is charged at, resolved once at startup. */
export interface ResolvedPrice {
  /** Undefined when the model is not in the catalog and the config prices nothing: every cost is then 0. */
  readonly price: Price | undefined;
  /** `2026-12-01`, `2026-12-01+config` when overrides apply, `2026-12-01:unpriced` when unpriced. */
  readonly version: string;
  readonly source: PriceSource;
  /** Cost fields of the deployment that Switchyard does not read, as `<path>: <reason>` lines to log. */
  readonly warnings: readonly string[];
}

/**
 * Usage of one attempt in OpenAI's conventions: `prompt` includes `cacheRead`, `cacheWrite` and `promptAudio`;
 * `completion` includes `reasoning` and `completionAudio`. Counts are non-negative integers; absent ones are 0.
 */
export interface TokenCounts {
  readonly prompt: number;
  readonly completion: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
  readonly promptAudio?: number;
  readonly reasoning?: number;
  readonly completionAudio?: number;
  /** Images billed per image (not images already counted as prompt tokens). */
  readonly images?: number;
  /** Duration billed per second, measured to the millisecond. */
  readonly seconds?: number;
  /** Queries billed per query (Cohere rerank's search units). */
  readonly queries?: number;
}

/** The cost of each class in pico-dollars. */
export type Breakdown = { readonly [K in RateName]: bigint };

/** The cost of one attempt. */
export interface Cost {
  /** The total in nano-dollars, rounded once, half up, from `pico`; a safe integer. */
  readonly costNanos: number;
  /** The exact total in pico-dollars, the sum of `breakdown`. */
  readonly pico: bigint;
  readonly breakdown: Breakdown;
  /** The price version the cost was computed with (`ResolvedPrice.version`). */
  readonly version: string;
}
