// List prices of IBM watsonx.ai and Cloudflare Workers AI main chat models, in USD per million tokens as the
// providers' pricing pages show them (https://www.ibm.com/products/watsonx-ai/pricing,
// https://developers.cloudflare.com/workers-ai/platform/pricing/) and LiteLLM's model_prices_and_context_window.json
// carries them (`watsonx/...`, `cloudflare/@cf/...`). Cloudflare bills neurons; its pricing page states the per-token
// equivalent used here. Ollama and Hugging Face (self-hosted TGI, or the router, which bills each partner provider's own
// price) have no list price: empty tables, priced through `input_cost_per_token` in config.
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

type Table = Readonly<Record<string, Price>>;

export const WATSONX_PRICES: Table = {
  "ibm/granite-3-8b-instruct": listPrice({ input: "0.20", output: "0.20" }),
  "ibm/granite-3-3-8b-instruct": listPrice({ input: "0.20", output: "0.20" }),
  "ibm/granite-3-2b-instruct": listPrice({ input: "0.10", output: "0.10" }),
  "meta-llama/llama-3-3-70b-instruct": listPrice({ input: "0.71", output: "0.71" }),
  "mistralai/mistral-large": listPrice({ input: "3.00", output: "10.00" }),
};

export const CLOUDFLARE_PRICES: Table = {
  "@cf/meta/llama-3.1-8b-instruct": listPrice({ input: "0.282", output: "0.827" }),
  "@cf/meta/llama-3.1-8b-instruct-fp8-fast": listPrice({ input: "0.045", output: "0.384" }),
  "@cf/meta/llama-3.3-70b-instruct-fp8-fast": listPrice({ input: "0.293", output: "2.253" }),
  "@cf/meta/llama-2-7b-chat-fp16": listPrice({ input: "1.923", output: "1.923" }),
  "@cf/meta/llama-2-7b-chat-int8": listPrice({ input: "1.923", output: "1.923" }),
  "@cf/mistral/mistral-7b-instruct-v0.1": listPrice({ input: "1.923", output: "1.923" }),
};
