// Azure OpenAI and Azure AI model inference prices. Sources: https://azure.microsoft.com/pricing/details/cognitive-services/openai-service/
// and LiteLLM's model_prices_and_context_window.json (https://github.com/BerriAI/litellm), entries `azure/*` with
// `litellm_provider: azure`, which carry OpenAI's list prices for the Global Standard deployments. Data Zone and
// Regional deployments cost about 10% more; price those with `input_cost_per_token` / `output_cost_per_token`.
//
// An Azure deployment's model string is its deployment name, which the catalog cannot know: set LiteLLM's
// `model_info.base_model` (`azure/gpt-4o`) when the deployment is not named after its model.
import { OPENAI_PRICES } from "./catalog-openai.js";
import type { Price } from "./types.js";

/**
 * Azure OpenAI: OpenAI's models at OpenAI's prices, plus Azure's spelling of the GPT-3.5 names. That includes the
 * embedding models, input tokens only: text-embedding-3-small $0.02, text-embedding-3-large $0.13 and
 * text-embedding-ada-002 $0.10 per 1M tokens (Azure lists $0.00002, $0.00013 and $0.0001 per 1K on the pricing page
 * above; LiteLLM's `azure/text-embedding-*` entries carry the same).
 */
export const AZURE_PRICES: Readonly<Record<string, Price>> = {
  ...OPENAI_PRICES,
  "gpt-35-turbo": OPENAI_PRICES["gpt-3.5-turbo"]!,
};

/**
 * Azure AI model inference serves partner models (Llama, Mistral, DeepSeek, Phi ...) whose prices depend on the
 * marketplace offer and region, so none is built in: deployments set `input_cost_per_token` and `output_cost_per_token`.
 */
export const AZURE_AI_PRICES: Readonly<Record<string, Price>> = {};
