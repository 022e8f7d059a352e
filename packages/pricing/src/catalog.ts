// The built-in price catalog. Its version is the date the list prices were last checked against the providers'
// pricing pages; any change to a price changes the version (see README.md, "Catalog version policy").
import type { ProviderId } from "@switchyard/config";
import { ANTHROPIC_PRICES } from "./catalog-anthropic.js";
import { BEDROCK_PRICES, SAGEMAKER_PRICES } from "./catalog-aws.js";
import { AZURE_AI_PRICES, AZURE_PRICES } from "./catalog-azure.js";
import { COHERE_PRICES } from "./catalog-cohere.js";
import { COMPATIBLE_PRICES } from "./catalog-compatible.js";
import { GEMINI_PRICES, VERTEX_AI_PRICES } from "./catalog-google.js";
import { OPENAI_PRICES } from "./catalog-openai.js";
import { listPrice } from "./list-price.js";
import type { Catalog, Price } from "./types.js";

/** The version of the built-in catalog. */
export const CATALOG_VERSION = "2026-12-06";

/**
 * The mock provider's flat price for every model: $1 / 1M input, $2 / 1M output, $0.10 / 1M cache reads. Not a
 * real bill; nonzero so that local runs and tests show spend moving through metering and headers.
 */
export const MOCK_PRICE: Price = listPrice({ input: "1.00", output: "2.00", cacheRead: "0.10" });

const PRICES = {
  openai: OPENAI_PRICES,
  anthropic: ANTHROPIC_PRICES,
  mock: { "*": MOCK_PRICE },
  gemini: GEMINI_PRICES,
  vertex_ai: VERTEX_AI_PRICES,
  bedrock: BEDROCK_PRICES,
  sagemaker: SAGEMAKER_PRICES,
  azure: AZURE_PRICES,
  azure_ai: AZURE_AI_PRICES,
  cohere: COHERE_PRICES,
  cohere_chat: COHERE_PRICES,
  ...COMPATIBLE_PRICES,
} satisfies Record<ProviderId, Readonly<Record<string, Price>>>;

/** The built-in catalog: every model the provider adapters know, at public list prices. */
export const DEFAULT_CATALOG: Catalog = { version: CATALOG_VERSION, prices: PRICES };
