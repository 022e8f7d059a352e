// Where to call a Triton Inference Server. LiteLLM takes `api_base` as the full endpoint: `.../generate` (the generate
// extension, streamed at `.../generate_stream`) or `.../infer` (KServe v2 inference). Switchyard takes those too, and a
// bare server address (`http://triton:8000`), for which the model's endpoints are built from `triton/<model>` as the
// KServe v2 protocol names them: `{base}/v2/models/<model>[/versions/<n>]/generate|generate_stream|infer`.

import type { Deployment } from "@switchyard/config";
import { misconfigured } from "../errors.js";

/** The endpoints one deployment calls. */
export interface TritonEndpoints {
  /** "generate": the generate extension; "infer": chat through KServe v2 inference (LiteLLM's `/infer` api_base). */
  readonly chatKind: "generate" | "infer";
  readonly generate: string;
  readonly generateStream: string;
  readonly infer: string;
}

/** `<model>` or `<model>/versions/<n>`, each segment URL-encoded. */
function modelPath(model: string): string {
  return model
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** The deployment's endpoints, from its `api_base` (required, as in LiteLLM) and model. */
export function tritonEndpoints(dep: Pick<Deployment, "apiBase" | "model" | "provider" | "id">): TritonEndpoints {
  if (!dep.apiBase) {
    throw misconfigured(dep, "needs an api_base: the Triton server, or its model's /generate or /infer URL");
  }
  const base = dep.apiBase.replace(/\/+$/, "");
  const full = /^(.*)\/(generate|generate_stream|infer)$/.exec(base);
  if (full) {
    const [, prefix, op] = full;
    return {
      chatKind: op === "infer" ? "infer" : "generate",
      generate: `${prefix}/generate`,
      generateStream: `${prefix}/generate_stream`,
      infer: `${prefix}/infer`,
    };
  }
  const model = `${base}/v2/models/${modelPath(dep.model)}`;
  return {
    chatKind: "generate",
    generate: `${model}/generate`,
    generateStream: `${model}/generate_stream`,
    infer: `${model}/infer`,
  };
}

/** Triton has no authentication of its own; a key set for a proxy in front goes as a Bearer token. */
export function tritonHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
