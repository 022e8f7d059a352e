// OpenAI-compatible providers: each is a data entry over the OpenAI adapter (its base URL, how it takes its key, the
// request fields it rejects, the environment variables LiteLLM reads for it), not a copy of it. Base URLs and
// variable names follow LiteLLM's, so a LiteLLM config and environment work unchanged.
import { createOpenAIAdapter, type OpenAICompatible } from "../openai/index.js";
import type { Capability, ProviderAdapter } from "../types.js";

const CHAT: readonly Capability[] = ["chat", "stream"];
const TOOLS: readonly Capability[] = ["chat", "stream", "tools", "json"];
const FULL: readonly Capability[] = ["chat", "stream", "tools", "vision", "json"];

/** OpenAI's logprob and logit-bias fields, which several hosts reject. */
const NO_LOGPROBS = ["logprobs", "top_logprobs", "logit_bias"] as const;

function entry(
  name: string,
  docs: string,
  baseUrl: string | undefined,
  capabilities: readonly Capability[],
  env: OpenAICompatible["env"],
  extra: Partial<
    Pick<OpenAICompatible, "keyHeader" | "unsupported" | "embeddings" | "completions" | "transcription">
  > = {},
): ProviderAdapter {
  return createOpenAIAdapter({ info: { name, docs, capabilities }, baseUrl, env, ...extra });
}

const key = (...names: string[]) => ({ apiKey: names });
const keyAndBase = (apiKey: string[], apiBase: string[]) => ({ apiKey, apiBase });

/** Every OpenAI-compatible provider, by LiteLLM's provider id. */
export const compatibleAdapters = {
  mistral: entry(
    "Mistral AI",
    "https://docs.mistral.ai/api/",
    "https://api.mistral.ai/v1",
    FULL,
    key("MISTRAL_API_KEY"),
    { embeddings: true, unsupported: [...NO_LOGPROBS] },
  ),
  codestral: entry(
    "Mistral Codestral",
    "https://docs.mistral.ai/capabilities/code_generation/",
    "https://codestral.mistral.ai/v1",
    TOOLS,
    keyAndBase(["CODESTRAL_API_KEY"], ["CODESTRAL_API_BASE"]),
    { unsupported: [...NO_LOGPROBS] },
  ),
  meta_llama: entry(
    "Meta Llama API",
    "https://llama.developer.meta.com/docs/api/chat",
    "https://api.llama.com/compat/v1",
    FULL,
    key("LLAMA_API_KEY"),
  ),
  anyscale: entry(
    "Anyscale",
    "https://docs.anyscale.com/endpoints/text-generation/query-a-model",
    "https://api.endpoints.anyscale.com/v1",
    TOOLS,
    key("ANYSCALE_API_KEY"),
  ),
  databricks: entry(
    "Databricks",
    "https://docs.databricks.com/en/machine-learning/foundation-models/api-reference.html",
    undefined,
    FULL,
    keyAndBase(["DATABRICKS_API_KEY"], ["DATABRICKS_API_BASE"]),
    { embeddings: true },
  ),
  nvidia_nim: entry(
    "Nvidia NIM",
    "https://docs.api.nvidia.com/nim/reference/llm-apis",
    "https://integrate.api.nvidia.com/v1",
    TOOLS,
    keyAndBase(["NVIDIA_NIM_API_KEY"], ["NVIDIA_NIM_API_BASE"]),
    { embeddings: true },
  ),
  nscale: entry(
    "Nscale",
    "https://docs.nscale.com/docs/inference/chat",
    "https://inference.api.nscale.com/v1",
    CHAT,
    keyAndBase(["NSCALE_API_KEY"], ["NSCALE_API_BASE"]),
  ),
  xai: entry("xAI", "https://docs.x.ai/docs/api-reference", "https://api.x.ai/v1", FULL, key("XAI_API_KEY")),
  lm_studio: entry(
    "LM Studio",
    "https://lmstudio.ai/docs/app/api/endpoints/openai",
    "http://localhost:1234/v1",
    TOOLS,
    keyAndBase(["LM_STUDIO_API_KEY"], ["LM_STUDIO_API_BASE"]),
    { embeddings: true },
  ),
  cerebras: entry(
    "Cerebras",
    "https://inference-docs.cerebras.ai/api-reference/chat-completions",
    "https://api.cerebras.ai/v1",
    TOOLS,
    key("CEREBRAS_API_KEY"),
    { unsupported: ["frequency_penalty", "presence_penalty", "logit_bias"] },
  ),
  volcengine: entry(
    "Volcano Engine",
    "https://www.volcengine.com/docs/82379/1298454",
    "https://ark.cn-beijing.volces.com/api/v3",
    TOOLS,
    keyAndBase(["VOLCENGINE_API_KEY", "ARK_API_KEY"], ["VOLCENGINE_API_BASE"]),
  ),
  perplexity: entry(
    "Perplexity AI",
    "https://docs.perplexity.ai/api-reference/chat-completions",
    "https://api.perplexity.ai",
    ["chat", "stream", "json"],
    key("PERPLEXITYAI_API_KEY", "PERPLEXITY_API_KEY"),
    { unsupported: ["tools", "tool_choice", "n", ...NO_LOGPROBS] },
  ),
  friendliai: entry(
    "FriendliAI",
    "https://friendli.ai/docs/openapi/serverless/chat-completions",
    "https://api.friendli.ai/serverless/v1",
    TOOLS,
    keyAndBase(["FRIENDLIAI_API_KEY", "FRIENDLI_TOKEN"], ["FRIENDLI_API_BASE"]),
  ),
  galadriel: entry(
    "Galadriel",
    "https://docs.galadriel.com/api-reference/chat-completion-API",
    "https://api.galadriel.com/v1",
    TOOLS,
    key("GALADRIEL_API_KEY"),
  ),
  groq: entry(
    "Groq",
    "https://console.groq.com/docs/api-reference#chat-create",
    "https://api.groq.com/openai/v1",
    FULL,
    keyAndBase(["GROQ_API_KEY"], ["GROQ_API_BASE"]),
    // Groq serves OpenAI's /audio/transcriptions (Whisper): https://console.groq.com/docs/speech-to-text
    { unsupported: [...NO_LOGPROBS], transcription: true },
  ),
  github: entry(
    "GitHub Models",
    "https://docs.github.com/en/rest/models/inference",
    "https://models.inference.ai.azure.com",
    TOOLS,
    key("GITHUB_API_KEY"),
  ),
  deepseek: entry(
    "DeepSeek",
    "https://api-docs.deepseek.com/api/create-chat-completion",
    "https://api.deepseek.com/v1",
    TOOLS,
    keyAndBase(["DEEPSEEK_API_KEY"], ["DEEPSEEK_API_BASE"]),
  ),
  fireworks_ai: entry(
    "Fireworks AI",
    "https://docs.fireworks.ai/api-reference/post-chatcompletions",
    "https://api.fireworks.ai/inference/v1",
    FULL,
    keyAndBase(["FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY", "FIREWORKSAI_API_KEY"], ["FIREWORKS_API_BASE"]),
    { embeddings: true, completions: true },
  ),
  clarifai: entry(
    "Clarifai",
    "https://docs.clarifai.com/compute/inference/open-ai",
    "https://api.clarifai.com/v2/ext/openai/v1",
    TOOLS,
    key("CLARIFAI_PAT", "CLARIFAI_API_KEY"),
  ),
  hosted_vllm: entry(
    "vLLM",
    "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
    undefined,
    FULL,
    keyAndBase(["HOSTED_VLLM_API_KEY"], ["HOSTED_VLLM_API_BASE"]),
    { embeddings: true, completions: true },
  ),
  llamafile: entry(
    "Llamafile",
    "https://github.com/Mozilla-Ocho/llamafile#json-api-quickstart",
    "http://127.0.0.1:8080/v1",
    CHAT,
    keyAndBase(["LLAMAFILE_API_KEY"], ["LLAMAFILE_API_BASE"]),
    { embeddings: true, completions: true },
  ),
  xinference: entry(
    "Xinference",
    "https://inference.readthedocs.io/en/latest/user_guide/client_api.html",
    "http://127.0.0.1:9997/v1",
    TOOLS,
    keyAndBase(["XINFERENCE_API_KEY"], ["XINFERENCE_API_BASE"]),
    { embeddings: true, completions: true },
  ),
  deepinfra: entry(
    "DeepInfra",
    "https://deepinfra.com/docs/openai_api",
    "https://api.deepinfra.com/v1/openai",
    TOOLS,
    key("DEEPINFRA_API_KEY"),
    { embeddings: true, completions: true },
  ),
  together_ai: entry(
    "Together AI",
    "https://docs.together.ai/reference/chat-completions-1",
    "https://api.together.xyz/v1",
    FULL,
    key("TOGETHERAI_API_KEY", "TOGETHER_API_KEY", "TOGETHER_AI_API_KEY"),
    { embeddings: true, completions: true },
  ),
  novita: entry(
    "Novita AI",
    "https://novita.ai/docs/guides/llm-api",
    "https://api.novita.ai/v3/openai",
    TOOLS,
    key("NOVITA_API_KEY"),
  ),
  baseten: entry(
    "Baseten",
    "https://docs.baseten.co/development/model-apis/overview",
    "https://inference.baseten.co/v1",
    TOOLS,
    key("BASETEN_API_KEY"),
  ),
  openrouter: entry(
    "OpenRouter",
    "https://openrouter.ai/docs/api-reference/chat-completion",
    "https://openrouter.ai/api/v1",
    FULL,
    keyAndBase(["OPENROUTER_API_KEY", "OR_API_KEY"], ["OPENROUTER_API_BASE", "OR_SITE_URL"]),
  ),
  sambanova: entry(
    "SambaNova",
    "https://docs.sambanova.ai/cloud/api-reference/endpoints/chat",
    "https://api.sambanova.ai/v1",
    TOOLS,
    key("SAMBANOVA_API_KEY"),
    { unsupported: [...NO_LOGPROBS, "frequency_penalty", "presence_penalty"] },
  ),
  featherless_ai: entry(
    "Featherless AI",
    "https://featherless.ai/docs/completions",
    "https://api.featherless.ai/v1",
    CHAT,
    key("FEATHERLESS_AI_API_KEY", "FEATHERLESS_API_KEY"),
    { unsupported: ["tools", "tool_choice"] },
  ),
  nebius: entry(
    "Nebius AI Studio",
    "https://docs.nebius.com/studio/inference/api",
    "https://api.studio.nebius.ai/v1",
    TOOLS,
    keyAndBase(["NEBIUS_API_KEY"], ["NEBIUS_API_BASE"]),
    { embeddings: true },
  ),
  ai21: entry(
    "AI21 Labs",
    "https://docs.ai21.com/reference/jamba-1-6-api-ref",
    "https://api.ai21.com/studio/v1",
    TOOLS,
    keyAndBase(["AI21_API_KEY"], ["AI21_API_BASE"]),
    // Jamba takes tools, documents, response_format, max_tokens, temperature, top_p, stop and n, and text content only.
    {
      unsupported: [
        ...NO_LOGPROBS,
        "tool_choice",
        "parallel_tool_calls",
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "reasoning_effort",
      ],
    },
  ),
  openai_like: entry(
    "Any OpenAI-compatible server",
    "https://platform.openai.com/docs/api-reference/chat",
    undefined,
    FULL,
    keyAndBase(["OPENAI_LIKE_API_KEY"], ["OPENAI_LIKE_API_BASE"]),
    { embeddings: true, completions: true },
  ),
} as const satisfies Record<string, ProviderAdapter>;

/** LiteLLM's other names for the same providers. */
export const compatibleAliases = {
  vllm: compatibleAdapters.hosted_vllm,
  custom_openai: compatibleAdapters.openai_like,
  ai21_chat: compatibleAdapters.ai21,
} as const satisfies Record<string, ProviderAdapter>;
