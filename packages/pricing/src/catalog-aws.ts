// AWS Bedrock on-demand list prices in USD per million tokens, as the pricing page shows them for US East (N.
// Virginia). Sources: https://aws.amazon.com/bedrock/pricing/ (Anthropic, Amazon Nova, Meta, Mistral AI),
// https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html (global profiles of the
// Claude 4.5 models cost about 10% less than geographic and in-Region ones) and LiteLLM's
// model_prices_and_context_window.json (`litellm_provider: bedrock` / `bedrock_converse`) where it agrees. Claude's
// cache writes are 1.25x and reads 0.1x input, as on Anthropic's API; Nova bills cache reads at 0.25x input and
// cache writes at input.
//
// Deployments name a model as a Bedrock model id (`anthropic.claude-sonnet-4-20250514-v1:0`), optionally behind a
// cross-Region inference profile prefix (`us.`, `eu.`, `global.` ...) and LiteLLM's `converse/` (or, for Claude,
// `invoke/`) route; every
// spelling is listed, since ids carry no date suffix the lookup could strip. SageMaker bills instance hours, not
// tokens: its deployments are unpriced unless the config prices them (`input_cost_per_token` ...).
import { type ListRates, type ListTier, listPrice } from "./list-price.js";
import type { Price } from "./types.js";

/** Geographic cross-Region inference profile prefixes; they cost what the model costs in its source Region. */
const GEO_PREFIXES = ["us.", "eu.", "apac.", "jp.", "au.", "ca."] as const;

/** A model's price where it is called in-Region or through a geographic profile, and through `global.` if cheaper. */
interface BedrockModel {
  readonly regional: Price;
  readonly global?: Price;
}

/** A model with a cheaper `global.` profile: its global rates, then the regional ones as the page lists them. */
function claude(global: ListRates, regional: ListRates, tiers?: [ListTier[], ListTier[]]): BedrockModel {
  return { regional: listPrice(regional, tiers?.[1]), global: listPrice(global, tiers?.[0]) };
}

const SONNET: ListRates = { input: "3.00", output: "15.00", cacheWrite: "3.75", cacheRead: "0.30" };
const SONNET_LONG: ListTier[] = [
  { abovePromptTokens: 200_000, rates: { input: "6.00", output: "22.50", cacheWrite: "7.50", cacheRead: "0.60" } },
];
const OPUS_4: ListRates = { input: "15.00", output: "75.00", cacheWrite: "18.75", cacheRead: "1.50" };

/** Anthropic models on Bedrock, by Bedrock model id. */
const ANTHROPIC: Readonly<Record<string, BedrockModel>> = {
  "anthropic.claude-3-haiku-20240307-v1:0": { regional: listPrice({ input: "0.25", output: "1.25" }) },
  "anthropic.claude-3-5-haiku-20241022-v1:0": {
    regional: listPrice({ input: "0.80", output: "4.00", cacheWrite: "1.00", cacheRead: "0.08" }),
  },
  "anthropic.claude-3-5-sonnet-20240620-v1:0": { regional: listPrice(SONNET) },
  "anthropic.claude-3-5-sonnet-20241022-v2:0": { regional: listPrice(SONNET) },
  "anthropic.claude-3-7-sonnet-20250219-v1:0": { regional: listPrice(SONNET) },
  "anthropic.claude-sonnet-4-20250514-v1:0": {
    regional: listPrice(SONNET, SONNET_LONG),
    global: listPrice(SONNET, SONNET_LONG),
  },
  "anthropic.claude-opus-4-20250514-v1:0": { regional: listPrice(OPUS_4) },
  "anthropic.claude-opus-4-1-20250805-v1:0": { regional: listPrice(OPUS_4) },
  "anthropic.claude-sonnet-4-5-20250929-v1:0": claude(
    SONNET,
    { input: "3.30", output: "16.50", cacheWrite: "4.125", cacheRead: "0.33" },
    [
      SONNET_LONG,
      [
        {
          abovePromptTokens: 200_000,
          rates: { input: "6.60", output: "24.75", cacheWrite: "8.25", cacheRead: "0.66" },
        },
      ],
    ],
  ),
  "anthropic.claude-haiku-4-5-20251001-v1:0": claude(
    { input: "1.00", output: "5.00", cacheWrite: "1.25", cacheRead: "0.10" },
    { input: "1.10", output: "5.50", cacheWrite: "1.375", cacheRead: "0.11" },
  ),
  "anthropic.claude-opus-4-5-20251101-v1:0": claude(
    { input: "5.00", output: "25.00", cacheWrite: "6.25", cacheRead: "0.50" },
    { input: "5.50", output: "27.50", cacheWrite: "6.875", cacheRead: "0.55" },
  ),
};

/** Amazon Nova, Meta Llama and Mistral AI models. */
const OTHERS: Readonly<Record<string, BedrockModel>> = {
  // Nova Micro's cache reads ($0.00875 / 1M) are not whole nano-dollars per token; they are billed at input here.
  "amazon.nova-micro-v1:0": { regional: listPrice({ input: "0.035", output: "0.14" }) },
  "amazon.nova-lite-v1:0": { regional: listPrice({ input: "0.06", output: "0.24", cacheRead: "0.015" }) },
  "amazon.nova-pro-v1:0": { regional: listPrice({ input: "0.80", output: "3.20", cacheRead: "0.20" }) },
  "amazon.nova-premier-v1:0": { regional: listPrice({ input: "2.50", output: "12.50", cacheRead: "0.625" }) },
  "meta.llama3-1-8b-instruct-v1:0": { regional: listPrice({ input: "0.22", output: "0.22" }) },
  "meta.llama3-1-70b-instruct-v1:0": { regional: listPrice({ input: "0.72", output: "0.72" }) },
  "meta.llama3-3-70b-instruct-v1:0": { regional: listPrice({ input: "0.72", output: "0.72" }) },
  "mistral.mistral-large-2407-v1:0": { regional: listPrice({ input: "2.00", output: "6.00" }) },
};

/**
 * Every spelling of each model id: bare, behind each geographic profile, `global.` when offered, with `converse/`,
 * and Anthropic's with `invoke/`.
 */
function spellings(models: Readonly<Record<string, BedrockModel>>): Record<string, Price> {
  const out: Record<string, Price> = {};
  for (const [id, model] of Object.entries(models)) {
    const names: [string, Price][] = [
      [id, model.regional],
      ...GEO_PREFIXES.map((p): [string, Price] => [p + id, model.regional]),
    ];
    if (model.global) names.push([`global.${id}`, model.global]);
    for (const [name, price] of names) {
      out[name] = price;
      out[`converse/${name}`] = price;
      // InvokeModel serves Anthropic's models only (bedrock/invoke/), at the same prices.
      if (id.startsWith("anthropic.")) out[`invoke/${name}`] = price;
    }
  }
  return out;
}

/** Every Bedrock model the catalog prices, by every model string a deployment may use for it. */
export const BEDROCK_PRICES: Readonly<Record<string, Price>> = spellings({ ...ANTHROPIC, ...OTHERS });

/** SageMaker endpoints are billed per instance hour: nothing to list per token. */
export const SAGEMAKER_PRICES: Readonly<Record<string, Price>> = {};
