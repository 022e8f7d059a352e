// Errors of the "generate" APIs -> canonical classes. Triton's generate extension
// (https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/protocol/extension_generate.html) and
// TGI/LoRAX (Predibase: https://loraexchange.ai/reference/rest_api/) both answer `{"error": "<text>"}` with an HTTP
// status; LoRAX adds `error_type` ("validation" 422, "generation" 424, "overloaded" 429, "incomplete_generation" 500).
// Once a stream has started with 200, both send the same object as a `data:` event instead.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  eventFailure,
  type ProviderErrorInfo,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";
import { asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;

/** TGI/LoRAX and TensorRT-LLM wording for a prompt (plus max tokens) longer than the model takes. */
const CONTEXT_WORDING =
  /context (length|window)|must have less than \d+ tokens|max_new_tokens`? must be <=|exceeds? (the )?maximum (input|sequence) length|input length .* exceeds|prompt is too long/i;
const UNKNOWN_MODEL = /unknown model|model .*(is )?not found|no such model/i;

/** The `error` text and `error_type` of a body, when it is one of these objects. */
export function generateErrorInfo(body: string): ProviderErrorInfo {
  const root = asObject(tryParse(body)) ?? {};
  const message = asString(root.error) ?? asString(asObject(root.error)?.message) ?? asString(root.message);
  return { message, type: asString(root.error_type) };
}

function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  if (info.type === "overloaded") return ErrorClass.RATE_LIMITED;
  if (info.type === "generation" || info.type === "incomplete_generation" || status === 424) {
    return ErrorClass.UNAVAILABLE;
  }
  const cls = classOfStatus(status);
  if (cls !== ErrorClass.INVALID_REQUEST) return cls;
  if (CONTEXT_WORDING.test(info.message ?? "")) return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  if (UNKNOWN_MODEL.test(info.message ?? "")) return ErrorClass.NOT_FOUND;
  return cls;
}

/** OpenAI's code for an over-long prompt, so clients recognise it whatever the provider called it. */
function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  if (cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED)
    return { ...info, type: "invalid_request_error", code: "context_length_exceeded" };
  // `error_type` is the upstream's vocabulary, not OpenAI's: not passed on as the error's type.
  return { message: info.message };
}

/** Classifies a failure from its status and its `{"error", "error_type"}` body. */
export function classifyGenerateFailure(failure: UpstreamFailure): GatewayError {
  const info = generateErrorInfo(failure.body);
  const cls = classOf(failure.status, info);
  return upstreamError(failure, coded(info, cls), cls);
}

/** Classifies a non-2xx answer of a generate endpoint. */
export const classifyGenerateError: ErrorClassifier = classifyGenerateFailure;

/** Whether a stream event's data is an error object rather than a token. */
export function isErrorEvent(data: unknown): boolean {
  const o = asObject(data);
  return o !== undefined && o.error !== undefined && o.error !== null;
}

/** The error of a stream event that carries `{"error": ...}` (the stream's status was already 200). */
export function generateStreamError(data: string, dep: DeploymentRef): GatewayError {
  const info = generateErrorInfo(data);
  const status = info.type === "validation" ? 422 : info.type === "overloaded" ? 429 : 500;
  return classifyGenerateFailure(eventFailure(data, dep, status));
}
