// List prices of the hosted OpenAI-compatible providers' main models, in USD per million tokens as each provider's
// pricing page shows them (the numbers LiteLLM's model_prices_and_context_window.json carries as `*_cost_per_token`).
// Self-hosted servers (vLLM, LM Studio, Llamafile, Xinference, any OpenAI-compatible server) have no list price: an
// empty table, so their deployments are unpriced unless the config sets `input_cost_per_token` and
// `output_cost_per_token`. A model missing here is priced the same way.
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

type Table = Readonly<Record<string, Price>>;

const MISTRAL: Table = {
  "mistral-large-latest": listPrice({ input: "2.00", output: "6.00" }),
  "mistral-medium-latest": listPrice({ input: "0.40", output: "2.00" }),
  "mistral-small-latest": listPrice({ input: "0.10", output: "0.30" }),
  "open-mistral-nemo": listPrice({ input: "0.15", output: "0.15" }),
  "codestral-latest": listPrice({ input: "0.30", output: "0.90" }),
};

const GROQ: Table = {
  "llama-3.3-70b-versatile": listPrice({ input: "0.59", output: "0.79" }),
  "llama-3.1-8b-instant": listPrice({ input: "0.05", output: "0.08" }),
};

/** DeepSeek bills cache hits at their own rate. */
const DEEPSEEK: Table = {
  "deepseek-chat": listPrice({ input: "0.27", output: "1.10", cacheRead: "0.07" }),
  "deepseek-reasoner": listPrice({ input: "0.55", output: "2.19", cacheRead: "0.14" }),
};

const XAI: Table = {
  "grok-3": listPrice({ input: "3.00", output: "15.00", cacheRead: "0.75" }),
  "grok-3-mini": listPrice({ input: "0.30", output: "0.50", cacheRead: "0.075" }),
};

const CEREBRAS: Table = {
  "llama3.1-8b": listPrice({ input: "0.10", output: "0.10" }),
  "llama-3.3-70b": listPrice({ input: "0.85", output: "1.20" }),
};

const PERPLEXITY: Table = {
  sonar: listPrice({ input: "1.00", output: "1.00" }),
  "sonar-pro": listPrice({ input: "3.00", output: "15.00" }),
};

const TOGETHER: Table = {
  "meta-llama/Llama-3.3-70B-Instruct-Turbo": listPrice({ input: "0.88", output: "0.88" }),
};

const FIREWORKS: Table = {
  "accounts/fireworks/models/llama-v3p3-70b-instruct": listPrice({ input: "0.90", output: "0.90" }),
};

/** AI21's Jamba models (https://www.ai21.com/pricing), by their unversioned names and the 1.5 versions. */
const AI21: Table = {
  "jamba-large": listPrice({ input: "2.00", output: "8.00" }),
  "jamba-mini": listPrice({ input: "0.20", output: "0.40" }),
  "jamba-1.5-large": listPrice({ input: "2.00", output: "8.00" }),
  "jamba-1.5-mini": listPrice({ input: "0.20", output: "0.40" }),
};

/** The compatible providers' tables by provider id; `{}` where there is no list price. */
export const COMPATIBLE_PRICES = {
  mistral: MISTRAL,
  codestral: MISTRAL,
  meta_llama: {},
  anyscale: {},
  databricks: {},
  nvidia_nim: {},
  nscale: {},
  xai: XAI,
  lm_studio: {},
  cerebras: CEREBRAS,
  volcengine: {},
  perplexity: PERPLEXITY,
  friendliai: {},
  galadriel: {},
  groq: GROQ,
  github: {},
  deepseek: DEEPSEEK,
  fireworks_ai: FIREWORKS,
  clarifai: {},
  hosted_vllm: {},
  vllm: {},
  llamafile: {},
  xinference: {},
  deepinfra: {},
  together_ai: TOGETHER,
  novita: {},
  baseten: {},
  openrouter: {},
  sambanova: {},
  featherless_ai: {},
  nebius: {},
  openai_like: {},
  custom_openai: {},
  ai21: AI21,
  ai21_chat: AI21,
} as const satisfies Record<string, Table>;
