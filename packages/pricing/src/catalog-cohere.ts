// Cohere list prices in USD per million tokens as Cohere's pricing page shows them (https://cohere.com/pricing), and
// LiteLLM's model_prices_and_context_window.json (https://github.com/BerriAI/litellm), entries `command-*` with
// `litellm_provider: cohere_chat`. Cohere bills the `billed_units` of each answer (its prompt template is free) and
// has no cache or reasoning rate. Command R7B ($0.0375 / 1M input) is finer than the catalog's whole nano-dollars per
// token and is left to `input_cost_per_token` in config.
import { type ListRates, listPrice } from "./list-price.js";
import type { Price } from "./types.js";

const COMMAND_R: ListRates = { input: "0.15", output: "0.60" };
const COMMAND_R_PLUS: ListRates = { input: "2.50", output: "10.00" };
const COMMAND_A: ListRates = { input: "2.50", output: "10.00" };

/**
 * Every Cohere chat model the catalog prices. Cohere's names end in a month and year (`-08-2024`), which the catalog's
 * snapshot rule would misread, so every name is its own entry; `command-r` and `command-r-plus` are Cohere's aliases
 * of the 08-2024 models.
 */
export const COHERE_PRICES: Readonly<Record<string, Price>> = {
  "command-r": listPrice(COMMAND_R),
  "command-r-08-2024": listPrice(COMMAND_R),
  "command-r-plus": listPrice(COMMAND_R_PLUS),
  "command-r-plus-08-2024": listPrice(COMMAND_R_PLUS),
  "command-a-03-2025": listPrice(COMMAND_A),
  "command-a-reasoning-08-2025": listPrice(COMMAND_A),
  "command-a-vision-07-2025": listPrice(COMMAND_A),
};
