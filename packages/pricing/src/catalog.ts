// The built-in price catalog. Its version is the date the list prices were last checked against the providers'
// pricing pages; any change to a price changes the version (see README.md, "Catalog version policy").
import type { ProviderId } from "@switchyard/config";
import { ANTHROPIC_PRICES } from "./catalog-anthropic.js";
import { BEDROCK_PRICES, SAGEMAKER_PRICES } from "./catalog-aws.js";
import { AZURE_AI_PRICES, AZURE_PRICES } from "./catalog-azure.js";
import { COHERE_PRICES } from "./catalog-cohere.js";
import { COMPATIBLE_PRICES } from "./catalog-compatible.js";
import { GEMINI_PRICES, VERTEX_AI_PRICES } from "./catalog-google.js";
import { DEEPGRAM_PRICES, ELEVENLABS_PRICES, GROQ_MEDIA_PRICES, OPENAI_MEDIA_PRICES } from "./catalog-media.js";
import { OPENAI_PRICES } from "./catalog-openai.js";
import { REPLICATE_PRICES } from "./catalog-replicate.js";
import {
  COHERE_RERANK_PRICES,
  JINA_AI_PRICES,
  OPENAI_TEXT_COMPLETION_PRICES,
  VOYAGE_PRICES,
} from "./catalog-rerank.js";
import { ALEPH_ALPHA_PRICES, NLP_CLOUD_PRICES, SNOWFLAKE_PRICES } from "./catalog-text-cortex.js";
import { CLOUDFLARE_PRICES, WATSONX_PRICES } from "./catalog-watsonx-cloudflare.js";
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
  openai: { ...OPENAI_PRICES, ...OPENAI_TEXT_COMPLETION_PRICES, ...OPENAI_MEDIA_PRICES },
  anthropic: ANTHROPIC_PRICES,
  mock: { "*": MOCK_PRICE },
  gemini: GEMINI_PRICES,
  vertex_ai: VERTEX_AI_PRICES,
  bedrock: BEDROCK_PRICES,
  sagemaker: SAGEMAKER_PRICES,
  azure: AZURE_PRICES,
  azure_ai: AZURE_AI_PRICES,
  cohere: { ...COHERE_PRICES, ...COHERE_RERANK_PRICES },
  cohere_chat: { ...COHERE_PRICES, ...COHERE_RERANK_PRICES },
  ollama: {},
  ollama_chat: {},
  huggingface: {},
  watsonx: WATSONX_PRICES,
  cloudflare: CLOUDFLARE_PRICES,
  jina_ai: JINA_AI_PRICES,
  voyage: VOYAGE_PRICES,
  infinity: {},
  "text-completion-codestral": COMPATIBLE_PRICES.codestral,
  "text-completion-openai": { ...OPENAI_PRICES, ...OPENAI_TEXT_COMPLETION_PRICES },
  ...COMPATIBLE_PRICES,
  groq: { ...COMPATIBLE_PRICES.groq, ...GROQ_MEDIA_PRICES },
  deepgram: DEEPGRAM_PRICES,
  elevenlabs: ELEVENLABS_PRICES,
  // Topaz bills credits per image by output size; set input_cost_per_image on the deployment.
  topaz: {},
  // Self-hosted (a Triton Inference Server, a Petals swarm): no list price; set `input_cost_per_token` on the deployment.
  triton: {},
  petals: {},
  // Predibase bills private deployments per GPU-hour and publishes no per-token list price for its shared endpoints
  // (https://docs.predibase.com/inference/deployments/shared): unpriced unless the config prices the deployment.
  predibase: {},
  // NLP Cloud prices its Dolphin models per token; Aleph Alpha publishes no price; Snowflake bills credits.
  nlp_cloud: NLP_CLOUD_PRICES,
  aleph_alpha: ALEPH_ALPHA_PRICES,
  snowflake: SNOWFLAKE_PRICES,
  // Per-token language models only; the rest of Replicate bills compute time (catalog-replicate.ts).
  replicate: REPLICATE_PRICES,
} satisfies Record<ProviderId, Readonly<Record<string, Price>>>;

/** The built-in catalog: every model the provider adapters know, at public list prices. */
export const DEFAULT_CATALOG: Catalog = { version: CATALOG_VERSION, prices: PRICES };
