// OpenAI (and OpenAI-compatible) errors -> canonical classes
// (https://platform.openai.com/docs/guides/error-codes). Bodies look like
// {"error":{"message":"...","type":"invalid_request_error","param":"messages","code":"..."}}; the same
// object can arrive as a `data:` frame when a stream fails after its 200.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type ProviderErrorInfo,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";
import { asObject, asString, type JsonObject, tryParse } from "../json.js";

const { ErrorClass } = llm;

/** Codes OpenAI, Azure OpenAI and vLLM-style servers use for an over-long prompt. */
const CONTEXT_CODES = new Set(["context_length_exceeded", "string_above_max_length"]);
const CONTEXT_WORDING = /maximum context length|context length exceeded|context_length_exceeded|too many tokens/i;
/** Azure's `content_filter` and OpenAI's image `content_policy_violation`. */
const CONTENT_CODES = new Set(["content_filter", "content_policy_violation"]);

/** Reads OpenAI's error object; compatible servers sometimes send `{"error":"text"}` or `{"detail":...}`. */
export function parseOpenAIError(value: unknown): ProviderErrorInfo {
  const root = asObject(value) ?? {};
  const error = asObject(root.error);
  if (!error) return { message: asString(root.error) ?? asString(root.message) ?? asString(root.detail) };
  const param = error.param;
  return {
    message: asString(error.message),
    type: asString(error.type),
    param: typeof param === "string" || typeof param === "number" ? String(param) : undefined,
    code: typeof error.code === "number" ? String(error.code) : asString(error.code),
  };
}

/** The class of an OpenAI error, refining the status class by code and wording. */
function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  const cls = classOfStatus(status);
  if (cls !== ErrorClass.INVALID_REQUEST && cls !== ErrorClass.PAYLOAD_TOO_LARGE) return cls;
  if (CONTEXT_CODES.has(info.code ?? "") || CONTEXT_WORDING.test(info.message ?? "")) {
    return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  }
  if (CONTENT_CODES.has(info.code ?? "")) return ErrorClass.CONTENT_POLICY;
  return cls;
}

/** Classifies a non-2xx chat completions response. */
export const classifyOpenAIError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const info = parseOpenAIError(tryParse(failure.body));
  return upstreamError(failure, info, classOf(failure.status, info));
};

/** The status a mid-stream error implies, from its type or code (a stream's HTTP status was 200). */
function statusOfStreamError(info: ProviderErrorInfo): number {
  const tag = `${info.type ?? ""} ${info.code ?? ""}`;
  if (/rate_limit|tokens|requests/.test(tag)) return 429;
  if (/invalid_request|context_length|content_filter/.test(tag)) return 400;
  if (/timeout/.test(tag)) return 504;
  return 500;
}

/** The error of a stream frame that carries `{"error": ...}` instead of a chunk. */
export function openAIStreamError(frame: JsonObject, dep: DeploymentRef): GatewayError {
  const info = parseOpenAIError(frame);
  return upstreamError(
    {
      status: statusOfStreamError(info),
      headers: {},
      body: JSON.stringify(frame),
      provider: dep.provider,
      deploymentId: dep.id,
    },
    info,
    classOf(statusOfStreamError(info), info),
  );
}
