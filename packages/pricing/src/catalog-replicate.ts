// List prices of the Replicate language models billed per token, in USD per million tokens as Replicate's pricing page
// shows them (https://replicate.com/pricing, "Language models") and LiteLLM's model_prices_and_context_window.json
// carries them (`replicate/...`). Keys are the model as written after `replicate/`: the official model's name
// (`meta/meta-llama-3-70b-instruct`) and LiteLLM's spelling of it (`meta/llama-3-70b-instruct`). Every other model,
// version (`owner/name:<version>`) and deployment is billed by compute time (seconds of the hardware it runs on),
// which a token count cannot price: unpriced (cost 0) unless the deployment sets `input_cost_per_token` /
// `output_cost_per_token`.
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

const LLAMA_SMALL = listPrice({ input: "0.05", output: "0.25" });
const LLAMA_13B = listPrice({ input: "0.10", output: "0.50" });
const LLAMA_70B = listPrice({ input: "0.65", output: "2.75" });

export const REPLICATE_PRICES: Readonly<Record<string, Price>> = {
  "meta/meta-llama-3-8b": LLAMA_SMALL,
  "meta/meta-llama-3-8b-instruct": LLAMA_SMALL,
  "meta/meta-llama-3-70b": LLAMA_70B,
  "meta/meta-llama-3-70b-instruct": LLAMA_70B,
  "meta/llama-3-8b": LLAMA_SMALL,
  "meta/llama-3-8b-instruct": LLAMA_SMALL,
  "meta/llama-3-70b": LLAMA_70B,
  "meta/llama-3-70b-instruct": LLAMA_70B,
  "meta/llama-2-7b": LLAMA_SMALL,
  "meta/llama-2-7b-chat": LLAMA_SMALL,
  "meta/llama-2-13b": LLAMA_13B,
  "meta/llama-2-13b-chat": LLAMA_13B,
  "meta/llama-2-70b": LLAMA_70B,
  "meta/llama-2-70b-chat": LLAMA_70B,
  "mistralai/mistral-7b-v0.1": LLAMA_SMALL,
  "mistralai/mistral-7b-instruct-v0.2": LLAMA_SMALL,
  "mistralai/mixtral-8x7b-instruct-v0.1": listPrice({ input: "0.30", output: "1.00" }),
};
