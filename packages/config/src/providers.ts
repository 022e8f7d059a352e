// Which provider serves a LiteLLM model string. Mirrors LiteLLM's get_llm_provider: the first path segment
// when it is a provider id, else a small catalog of well-known model names.
import { didYouMean } from "./suggest.js";
import { PROVIDER_IDS, type ProviderId } from "./types.js";

/**
 * Provider ids LiteLLM routes to but Switchyard has no adapter for yet (from LiteLLM's provider list).
 * A deployment naming one is skipped with a warning rather than refused, so LiteLLM configs still load.
 */
export const UNSUPPORTED_PROVIDERS: ReadonlySet<string> = new Set([
  "azure_text",
  "sagemaker_chat",
  "vertex_ai_beta",
  "watsonx_text",
  "anthropic_text",
  "oobabooga",
  "maritalk",
  "empower",
  "github_copilot",
  "custom",
  "litellm_proxy",
  "palm",
  "dashscope",
  "moonshot",
  "lambda_ai",
  "aiohttp_openai",
  "hyperbolic",
  "assemblyai",
  "recraft",
  "datarobot",
  "oci",
  "ovhcloud",
  "heroku",
  "v0",
  "morph",
  "bytez",
  "wandb",
  "vercel_ai_gateway",
  "cometapi",
  "gradient_ai",
]);

/**
 * Bare model names LiteLLM recognises from its catalog, by prefix. Only families common in configs are
 * listed; anything else must be written as `provider/model`.
 */
const BARE_PREFIXES: readonly (readonly [RegExp, string])[] = [
  [/^(gpt-|chatgpt-|text-embedding-|dall-e-|whisper-|tts-|omni-moderation|text-moderation|davinci|babbage)/, "openai"],
  [/^o[1-9](-|$)/, "openai"],
  [/^claude-/, "anthropic"],
  [/^gemini-/, "vertex_ai"],
  [/^command(-|$)/, "cohere"],
];

/**
 * Vendor-qualified ids LiteLLM's model catalog maps to a provider without a prefix; for example
 * `mistralai/mistral-7b-instruct` is an OpenRouter model id (litellm.openrouter_models). Kept small on purpose.
 */
const CATALOG_IDS: ReadonlyMap<string, string> = new Map([
  ["mistralai/mistral-7b-instruct", "openrouter"],
  ["meta-llama/llama-2-13b-chat", "openrouter"],
  ["meta-llama/llama-2-70b-chat", "openrouter"],
  ["meta-llama/codellama-34b-instruct", "openrouter"],
  ["google/palm-2-chat-bison", "openrouter"],
  ["google/palm-2-codechat-bison", "openrouter"],
  ["nousresearch/nous-hermes-llama2-13b", "openrouter"],
  ["gryphe/mythomax-l2-13b", "openrouter"],
  ["jondurbin/airoboros-l2-70b-2.1", "openrouter"],
  ["mancer/weaver", "openrouter"],
  ["pygmalionai/mythalion-13b", "openrouter"],
  ["togethercomputer/llama-2-70b-chat", "together_ai"],
]);

/** Where a model string leads: an adapter, a provider Switchyard skips for now, or a mistake. */
export type ModelRoute =
  | { readonly kind: "adapter"; readonly provider: ProviderId; readonly model: string }
  | {
      readonly kind: "unsupported";
      readonly provider: string;
      /** Set when the provider was inferred from a catalog or bare name rather than written as a prefix. */
      readonly inferredFrom?: string;
    }
  | { readonly kind: "invalid"; readonly reason: string };

/** Quotes user text for a message, cut short so a hostile file cannot make messages huge. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

function isProviderId(id: string): id is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(id);
}

/** Routes a known provider id, or explains why `id` is not one (with a suggestion for typos). */
export function routeProvider(id: string, model: string): ModelRoute {
  if (isProviderId(id)) return { kind: "adapter", provider: id, model };
  if (UNSUPPORTED_PROVIDERS.has(id)) return { kind: "unsupported", provider: id };
  return {
    kind: "invalid",
    reason: `unknown provider ${quote(id)}${didYouMean(id, [...PROVIDER_IDS, ...UNSUPPORTED_PROVIDERS])}`,
  };
}

function inferred(route: ModelRoute, model: string): ModelRoute {
  return route.kind === "unsupported" ? { ...route, inferredFrom: model } : route;
}

function routeBare(model: string): ModelRoute {
  const provider = BARE_PREFIXES.find(([pattern]) => pattern.test(model))?.[1];
  if (provider !== undefined) return inferred(routeProvider(provider, model), model);
  return {
    kind: "invalid",
    reason: `cannot infer the provider of ${quote(model)}; expected <provider>/<model>, for example ${quote(`openai/${model}`)}`,
  };
}

/**
 * Resolves a LiteLLM `model` string: `provider/name` when the first segment is a provider id (so
 * `openai/anything` with an `api_base` is any OpenAI-compatible server), else a catalog id or a bare name.
 */
export function routeModel(model: string): ModelRoute {
  const slash = model.indexOf("/");
  if (slash < 0) return routeBare(model);
  const prefix = model.slice(0, slash);
  const name = model.slice(slash + 1);
  const catalog = CATALOG_IDS.get(model);
  if (catalog !== undefined && !isProviderId(prefix) && !UNSUPPORTED_PROVIDERS.has(prefix)) {
    return inferred(routeProvider(catalog, model), model);
  }
  if (prefix === "") return { kind: "invalid", reason: `expected <provider>/<model>, got ${quote(model)}` };
  const route = routeProvider(prefix, name);
  if (route.kind === "adapter" && name.trim() === "") {
    return { kind: "invalid", reason: `expected a model name after ${quote(`${prefix}/`)}` };
  }
  return route;
}
