// OpenAI list prices (standard tier, not Batch or Flex), in USD per million tokens as OpenAI's pricing page
// shows them. Sources: https://platform.openai.com/docs/pricing and LiteLLM's
// model_prices_and_context_window.json (https://github.com/BerriAI/litellm), which carries the same numbers
// as `*_cost_per_token`. OpenAI bills cache writes at the input rate and reasoning tokens at the output rate,
// which is what unset `cacheWrite` and `reasoning` mean, so neither is written here.
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

/** GPT-4o family; cached input is half the input rate. */
const GPT_4O: Readonly<Record<string, Price>> = {
  "gpt-4o": listPrice({ input: "2.50", output: "10.00", cacheRead: "1.25" }),
  // The first snapshot kept its launch price, so it needs its own entry before the date suffix is stripped.
  "gpt-4o-2024-05-13": listPrice({ input: "5.00", output: "15.00" }),
  "gpt-4o-mini": listPrice({ input: "0.15", output: "0.60", cacheRead: "0.075" }),
};

/**
 * Audio-capable GPT-4o: text tokens at GPT-4o rates, audio tokens at their own. The alias follows the current
 * snapshot ($40 / $80 audio since 2024-12-17); the first snapshot was $100 / $200 (LiteLLM
 * `gpt-4o-audio-preview-2024-10-01`).
 */
const GPT_4O_AUDIO: Readonly<Record<string, Price>> = {
  "gpt-4o-audio-preview": listPrice({ input: "2.50", output: "10.00", inputAudio: "40.00", outputAudio: "80.00" }),
  "gpt-4o-audio-preview-2024-10-01": listPrice({
    input: "2.50",
    output: "10.00",
    inputAudio: "100.00",
    outputAudio: "200.00",
  }),
  "gpt-4o-mini-audio-preview": listPrice({ input: "0.15", output: "0.60", inputAudio: "10.00", outputAudio: "20.00" }),
};

/** GPT-4.1 family; cached input is a quarter of the input rate. */
const GPT_4_1: Readonly<Record<string, Price>> = {
  "gpt-4.1": listPrice({ input: "2.00", output: "8.00", cacheRead: "0.50" }),
  "gpt-4.1-mini": listPrice({ input: "0.40", output: "1.60", cacheRead: "0.10" }),
  "gpt-4.1-nano": listPrice({ input: "0.10", output: "0.40", cacheRead: "0.025" }),
};

/** o-series reasoning models; o3 at its June 2025 price ($2 / $8, down from $10 / $40). */
const O_SERIES: Readonly<Record<string, Price>> = {
  o1: listPrice({ input: "15.00", output: "60.00", cacheRead: "7.50" }),
  "o1-mini": listPrice({ input: "1.10", output: "4.40", cacheRead: "0.55" }),
  o3: listPrice({ input: "2.00", output: "8.00", cacheRead: "0.50" }),
  "o3-mini": listPrice({ input: "1.10", output: "4.40", cacheRead: "0.55" }),
  "o4-mini": listPrice({ input: "1.10", output: "4.40", cacheRead: "0.275" }),
};

/** GPT-5 family; cached input is a tenth of the input rate. */
const GPT_5: Readonly<Record<string, Price>> = {
  "gpt-5": listPrice({ input: "1.25", output: "10.00", cacheRead: "0.125" }),
  "gpt-5-mini": listPrice({ input: "0.25", output: "2.00", cacheRead: "0.025" }),
  "gpt-5-nano": listPrice({ input: "0.05", output: "0.40", cacheRead: "0.005" }),
};

/** Older chat models: gpt-3.5-turbo at the gpt-3.5-turbo-0125 price, gpt-4-turbo at gpt-4-turbo-2024-04-09. */
const LEGACY: Readonly<Record<string, Price>> = {
  "gpt-3.5-turbo": listPrice({ input: "0.50", output: "1.50" }),
  "gpt-4-turbo": listPrice({ input: "10.00", output: "30.00" }),
};

/** Embeddings: input only; an embedding response has no completion tokens. */
const EMBEDDINGS: Readonly<Record<string, Price>> = {
  "text-embedding-3-small": listPrice({ input: "0.02", output: "0" }),
  "text-embedding-3-large": listPrice({ input: "0.13", output: "0" }),
  "text-embedding-ada-002": listPrice({ input: "0.10", output: "0" }),
};

/** Every OpenAI model the catalog prices, by model name without date suffix (see lookup.ts). */
export const OPENAI_PRICES: Readonly<Record<string, Price>> = {
  ...GPT_4O,
  ...GPT_4O_AUDIO,
  ...GPT_4_1,
  ...O_SERIES,
  ...GPT_5,
  ...LEGACY,
  ...EMBEDDINGS,
};
