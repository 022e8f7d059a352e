// Anthropic list prices in USD per million tokens as Anthropic's pricing page shows them. Sources:
// https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing", "Long context pricing") and
// LiteLLM's model_prices_and_context_window.json (https://github.com/BerriAI/litellm), entries
// `claude-*` with `litellm_provider: anthropic`. `cacheWrite` is the 5-minute cache write (1.25x input);
// `cacheRead` is a cache hit (0.1x input). Extended-thinking tokens are billed as output, so `reasoning` is unset.
import { type ListRates, type ListTier, listPrice } from "./list-price.js";
import type { Price } from "./types.js";

/**
 * The 1M-context tier of Sonnet 4 and 4.5: when input (including cache reads and writes) exceeds 200k tokens,
 * every token of the request is billed at these rates.
 */
const SONNET_LONG_CONTEXT: readonly ListTier[] = [
  { abovePromptTokens: 200_000, rates: { input: "6.00", output: "22.50", cacheWrite: "7.50", cacheRead: "0.60" } },
];

const SONNET: ListRates = { input: "3.00", output: "15.00", cacheWrite: "3.75", cacheRead: "0.30" };
const OPUS_4: ListRates = { input: "15.00", output: "75.00", cacheWrite: "18.75", cacheRead: "1.50" };

/** Claude 3.x. */
const CLAUDE_3: Readonly<Record<string, Price>> = {
  "claude-3-haiku": listPrice({ input: "0.25", output: "1.25", cacheWrite: "0.30", cacheRead: "0.03" }),
  "claude-3-5-haiku": listPrice({ input: "0.80", output: "4.00", cacheWrite: "1.00", cacheRead: "0.08" }),
  "claude-3-5-sonnet": listPrice(SONNET),
  "claude-3-7-sonnet": listPrice(SONNET),
};

const sonnet4 = listPrice(SONNET, SONNET_LONG_CONTEXT);
const opus4 = listPrice(OPUS_4);

/** Claude 4 and 4.5; `-4-0` names are Anthropic's aliases of the first Claude 4 snapshots. */
const CLAUDE_4: Readonly<Record<string, Price>> = {
  "claude-sonnet-4": sonnet4,
  "claude-sonnet-4-0": sonnet4,
  "claude-opus-4": opus4,
  "claude-opus-4-0": opus4,
  "claude-opus-4-1": listPrice(OPUS_4),
  "claude-sonnet-4-5": listPrice(SONNET, SONNET_LONG_CONTEXT),
  "claude-haiku-4-5": listPrice({ input: "1.00", output: "5.00", cacheWrite: "1.25", cacheRead: "0.10" }),
  "claude-opus-4-5": listPrice({ input: "5.00", output: "25.00", cacheWrite: "6.25", cacheRead: "0.50" }),
};

/** Every Anthropic model the catalog prices, by model name without date suffix (see lookup.ts). */
export const ANTHROPIC_PRICES: Readonly<Record<string, Price>> = { ...CLAUDE_3, ...CLAUDE_4 };
