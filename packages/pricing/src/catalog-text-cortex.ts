// List prices of NLP Cloud, Aleph Alpha and Snowflake Cortex, in USD per million tokens.
//
// NLP Cloud sells monthly plans and pay-as-you-go (https://nlpcloud.com/pricing.html); LiteLLM's
// model_prices_and_context_window.json carries per-token prices for its two Dolphin models (`dolphin`,
// `chatdolphin`, litellm_provider nlp_cloud: 5e-07 per token in and out), used here. Its other models are unpriced:
// set `input_cost_per_token` on the deployment.
//
// Aleph Alpha's public Luminous API price list is no longer published (Aleph Alpha now sells its models through
// PhariaAI contracts), so no list price can be cited: unpriced.
//
// Snowflake bills Cortex AI_COMPLETE / EMBED in credits per million tokens (the Snowflake Service Consumption Table,
// https://www.snowflake.com/legal-files/CreditConsumptionTable.pdf), and the dollar price of a credit depends on the
// account's edition, region and contract; the docs state no single $/credit, so tokens are left unpriced rather than
// converted at an invented rate. Price a deployment with `input_cost_per_token` / `output_cost_per_token`.
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

type Table = Readonly<Record<string, Price>>;

export const NLP_CLOUD_PRICES: Table = {
  dolphin: listPrice({ input: "0.50", output: "0.50" }),
  chatdolphin: listPrice({ input: "0.50", output: "0.50" }),
};

export const ALEPH_ALPHA_PRICES: Table = {};

export const SNOWFLAKE_PRICES: Table = {};
