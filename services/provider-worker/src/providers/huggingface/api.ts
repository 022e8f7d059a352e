// Where to call Hugging Face: the Inference Providers router (OpenAI-compatible chat,
// https://huggingface.co/docs/inference-providers/index) or a TGI server / Inference Endpoint at `api_base`
// (https://huggingface.co/docs/text-generation-inference/en/messages_api).

import type { Deployment } from "@switchyard/config";

/** The router's OpenAI-compatible base; a model id may carry a `:provider` suffix (`...:together`). */
export const ROUTER_BASE_URL = "https://router.huggingface.co/v1";
/** HF Inference (Hugging Face's own provider), where feature-extraction runs. */
export const HF_INFERENCE_URL = "https://router.huggingface.co/hf-inference/models";

/**
 * `{api_base}/v1/chat/completions` for a TGI server or Inference Endpoint (LiteLLM appends the path the same way); an
 * api_base that already ends in `/v1` or `/chat/completions` is kept.
 */
export function endpointChatUrl(apiBase: string): string {
  const base = apiBase.replace(/\/+$/, "");
  if (base.endsWith("/chat/completions")) return base;
  return base.endsWith("/v1") ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

/**
 * The feature-extraction URL: HF Inference's pipeline for the model on the router, or the deployment's own endpoint
 * (a TEI server or Inference Endpoint takes `{"inputs": [...]}` at its root) when api_base is set.
 */
export function featureExtractionUrl(deployment: Pick<Deployment, "apiBase" | "model">): string {
  if (deployment.apiBase) return deployment.apiBase.replace(/\/+$/, "");
  const model = deployment.model.replace(/:[^/:]+$/, "");
  return `${HF_INFERENCE_URL}/${model.split("/").map(encodeURIComponent).join("/")}/pipeline/feature-extraction`;
}
