// Cloudflare API errors -> canonical classes (https://developers.cloudflare.com/workers-ai/platform/errors/). Bodies
// are the v4 envelope: {"result":null,"success":false,"errors":[{"code":5021,"message":"..."}],"messages":[]}.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type ProviderErrorInfo,
  upstreamError,
} from "../errors.js";
import { asArray, asNumber, asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;
const CONTEXT_WORDING = /context window|too many tokens|input is too long|context length/i;

function infoOf(value: unknown): ProviderErrorInfo {
  const root = asObject(value) ?? {};
  const first = asObject(asArray(root.errors)[0]) ?? {};
  const code = asNumber(first.code) ?? asString(first.code);
  return {
    message: asString(first.message) ?? asString(root.error),
    ...(code === undefined ? {} : { code: String(code) }),
  };
}

function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  // 3040 "out of capacity" and 3036 "daily free allocation used" arrive as 4xx on some routes.
  if (info.code === "3040") return ErrorClass.UNAVAILABLE;
  if (info.code === "3036") return ErrorClass.RATE_LIMITED;
  const cls = classOfStatus(status);
  if (cls === ErrorClass.INVALID_REQUEST && CONTEXT_WORDING.test(info.message ?? "")) {
    return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  }
  return cls;
}

/** OpenAI's code for an over-long prompt, so clients recognise it whatever the provider called it. */
function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  return cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? { ...info, code: "context_length_exceeded" } : info;
}

/** Classifies a non-2xx `/ai/run` response. */
export const classifyCloudflareError: ErrorClassifier = (failure) => {
  const info = infoOf(tryParse(failure.body));
  const cls = classOf(failure.status, info);
  return upstreamError(failure, coded(info, cls), cls);
};

/** The error of a 2xx envelope with `success: false`, or of a stream frame carrying `errors`. */
export function cloudflareBodyError(body: string, dep: DeploymentRef, status = 500): GatewayError {
  const info = infoOf(tryParse(body));
  const failure = { status, headers: {}, body, provider: dep.provider, deploymentId: dep.id };
  const cls = classOf(status, info);
  return upstreamError(failure, coded(info, cls), cls);
}
