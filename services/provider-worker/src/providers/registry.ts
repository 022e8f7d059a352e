// The one place provider ids meet adapters. Adding an id to PROVIDER_IDS in @switchyard/config fails
// the build here until the adapter exists.

import type { ProviderId } from "@switchyard/config";
import { alephAlphaAdapter } from "./aleph_alpha/index.js";
import { anthropicAdapter } from "./anthropic/index.js";
import { azureAdapter } from "./azure/index.js";
import { azureAiAdapter } from "./azure_ai/index.js";
import { bedrockAdapter } from "./bedrock/index.js";
import { cloudflareAdapter } from "./cloudflare/index.js";
import { cohereAdapter } from "./cohere/index.js";
import { deepgramAdapter } from "./deepgram/index.js";
import { elevenlabsAdapter } from "./elevenlabs/index.js";
import { geminiAdapter } from "./gemini/index.js";
import { huggingfaceAdapter } from "./huggingface/index.js";
import { infinityAdapter } from "./infinity/index.js";
import { jinaAiAdapter } from "./jina_ai/index.js";
import { mockAdapter } from "./mock/index.js";
import { nlpCloudAdapter } from "./nlp_cloud/index.js";
import { ollamaAdapter } from "./ollama/index.js";
import { openaiAdapter } from "./openai/index.js";
import { compatibleAdapters, compatibleAliases } from "./openai-compatible/index.js";
import { petalsAdapter } from "./petals/index.js";
import { predibaseAdapter } from "./predibase/index.js";
import { replicateAdapter } from "./replicate/index.js";
import { sagemakerAdapter } from "./sagemaker/index.js";
import { snowflakeAdapter } from "./snowflake/index.js";
import { codestralFimAdapter } from "./text-completion-codestral/index.js";
import { topazAdapter } from "./topaz/index.js";
import { tritonAdapter } from "./triton/index.js";
import type { ProviderAdapter } from "./types.js";
import { vertexAiAdapter } from "./vertex_ai/index.js";
import { voyageAdapter } from "./voyage/index.js";
import { watsonxAdapter } from "./watsonx/index.js";

/** Every provider's adapter, keyed by provider id; the values are frozen and shared by all calls. */
export const adapters = Object.freeze({
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  mock: mockAdapter,
  gemini: geminiAdapter,
  vertex_ai: vertexAiAdapter,
  bedrock: bedrockAdapter,
  sagemaker: sagemakerAdapter,
  azure: azureAdapter,
  azure_ai: azureAiAdapter,
  cohere: cohereAdapter,
  cohere_chat: cohereAdapter,
  jina_ai: jinaAiAdapter,
  voyage: voyageAdapter,
  infinity: infinityAdapter,
  "text-completion-codestral": codestralFimAdapter,
  // LiteLLM's id for OpenAI's legacy completions: the OpenAI adapter, which serves /completions.
  "text-completion-openai": openaiAdapter,
  ollama: ollamaAdapter,
  ollama_chat: ollamaAdapter,
  huggingface: huggingfaceAdapter,
  watsonx: watsonxAdapter,
  cloudflare: cloudflareAdapter,
  deepgram: deepgramAdapter,
  elevenlabs: elevenlabsAdapter,
  topaz: topazAdapter,
  triton: tritonAdapter,
  predibase: predibaseAdapter,
  petals: petalsAdapter,
  replicate: replicateAdapter,
  nlp_cloud: nlpCloudAdapter,
  aleph_alpha: alephAlphaAdapter,
  snowflake: snowflakeAdapter,
  ...compatibleAdapters,
  ...compatibleAliases,
} satisfies Record<ProviderId, ProviderAdapter>);

/** The adapter of a provider; total over ProviderId, so it never returns undefined. */
export function adapterFor(id: ProviderId): ProviderAdapter {
  return adapters[id];
}
