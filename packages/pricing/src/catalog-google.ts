// Google list prices (paid tier, standard processing, not Batch or Flex) in USD per million tokens, as the pricing
// pages show them. Sources: https://ai.google.dev/gemini-api/docs/pricing (Gemini API),
// https://cloud.google.com/vertex-ai/generative-ai/pricing (Vertex AI) and LiteLLM's
// model_prices_and_context_window.json (https://github.com/BerriAI/litellm), entries `gemini/gemini-*` and
// `gemini-*` / `vertex_ai/claude-*`. Thinking tokens are billed as output, so `reasoning` is unset; `cacheRead` is a
// context-cache hit (storage per hour is not a token price and is not billed here); `inputAudio` is the audio
// input rate where it differs from text. Above 200k prompt tokens the Pro models bill every token at a higher tier.
import { ANTHROPIC_PRICES } from "./catalog-anthropic.js";
import { type ListRates, type ListTier, listPrice } from "./list-price.js";
import type { Price } from "./types.js";

const LONG_CONTEXT = 200_000;

const PRO_2_5: ListRates = { input: "1.25", output: "10.00", cacheRead: "0.125" };
const PRO_2_5_LONG: readonly ListTier[] = [
  { abovePromptTokens: LONG_CONTEXT, rates: { input: "2.50", output: "15.00", cacheRead: "0.25" } },
];
const PRO_3: ListRates = { input: "2.00", output: "12.00", cacheRead: "0.20" };
const PRO_3_LONG: readonly ListTier[] = [
  { abovePromptTokens: LONG_CONTEXT, rates: { input: "4.00", output: "18.00", cacheRead: "0.40" } },
];

/** Gemini 2.5 and 3, the same on the Gemini API and Vertex AI. */
const GEMINI_2_5_AND_3: Readonly<Record<string, Price>> = {
  "gemini-2.5-pro": listPrice(PRO_2_5, PRO_2_5_LONG),
  "gemini-2.5-flash": listPrice({ input: "0.30", output: "2.50", cacheRead: "0.03", inputAudio: "1.00" }),
  "gemini-2.5-flash-lite": listPrice({ input: "0.10", output: "0.40", cacheRead: "0.01", inputAudio: "0.30" }),
  "gemini-3-pro-preview": listPrice(PRO_3, PRO_3_LONG),
  "gemini-3-flash-preview": listPrice({ input: "0.50", output: "3.00", cacheRead: "0.05", inputAudio: "1.00" }),
};

/** Gemini 2.0 on the Gemini API; `-001` is the stable snapshot of each alias. */
const GEMINI_2_0_AI_STUDIO: Readonly<Record<string, Price>> = {
  "gemini-2.0-flash": listPrice({ input: "0.10", output: "0.40", cacheRead: "0.025", inputAudio: "0.70" }),
  "gemini-2.0-flash-001": listPrice({ input: "0.10", output: "0.40", cacheRead: "0.025", inputAudio: "0.70" }),
  "gemini-2.0-flash-lite": listPrice({ input: "0.075", output: "0.30" }),
  "gemini-2.0-flash-lite-001": listPrice({ input: "0.075", output: "0.30" }),
};

/**
 * Gemini 2.0 on Vertex AI, where 2.0 Flash lists higher than on the Gemini API. Its cache-hit rate ($0.0375 / 1M)
 * is not a whole number of nano-dollars per token, so cache hits are billed at the input rate here.
 */
const GEMINI_2_0_VERTEX: Readonly<Record<string, Price>> = {
  "gemini-2.0-flash": listPrice({ input: "0.15", output: "0.60" }),
  "gemini-2.0-flash-001": listPrice({ input: "0.15", output: "0.60" }),
  "gemini-2.0-flash-lite": listPrice({ input: "0.075", output: "0.30" }),
  "gemini-2.0-flash-lite-001": listPrice({ input: "0.075", output: "0.30" }),
};

/** Every Gemini API model the catalog prices (`gemini/<model>`). */
export const GEMINI_PRICES: Readonly<Record<string, Price>> = { ...GEMINI_2_5_AND_3, ...GEMINI_2_0_AI_STUDIO };

/**
 * Every Vertex AI model the catalog prices (`vertex_ai/<model>`): Gemini, and Claude at Anthropic's list prices
 * (Vertex's global endpoint; Google lists regional endpoints of Claude 4.5 and later 10% higher). Vertex names
 * Claude snapshots `claude-sonnet-4-5@20250929`; the lookup drops the `@` suffix.
 */
export const VERTEX_AI_PRICES: Readonly<Record<string, Price>> = {
  ...GEMINI_2_5_AND_3,
  ...GEMINI_2_0_VERTEX,
  ...ANTHROPIC_PRICES,
};
