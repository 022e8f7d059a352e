// watsonx.ai errors -> canonical classes (https://cloud.ibm.com/apidocs/watsonx-ai#error-handling). Bodies look like
// {"errors":[{"code":"invalid_input_argument","message":"...","more_info":"..."}],"trace":"...","status_code":400};
// a stream that fails after its 200 sends the same object as an event.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type ProviderErrorInfo,
  upstreamError,
} from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";

const { ErrorClass } = llm;
const CONTEXT_WORDING =
  /context length|context window|maximum sequence length|too many tokens|total tokens limit|exceeds the (model|maximum)/i;

function infoOf(root: JsonObject): ProviderErrorInfo {
  const first = asObject(asArray(root.errors)[0]) ?? {};
  return { message: asString(first.message) ?? asString(root.message), code: asString(first.code) };
}

function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  const cls = classOfStatus(status);
  if (cls !== ErrorClass.INVALID_REQUEST) return cls;
  if (info.code === "token_quota_reached") return ErrorClass.RATE_LIMITED;
  if (CONTEXT_WORDING.test(info.message ?? "")) return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  if (/hap|pii|content/i.test(info.code ?? "") && /filter|moderation|harmful/i.test(info.message ?? "")) {
    return ErrorClass.CONTENT_POLICY;
  }
  return cls;
}

/** OpenAI's code for an over-long prompt, so clients recognise it whatever the provider called it. */
function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  return cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? { ...info, code: "context_length_exceeded" } : info;
}

/** Classifies a non-2xx chat response. */
export const classifyWatsonxError: ErrorClassifier = (failure) => {
  const info = infoOf(asObject(tryParse(failure.body)) ?? {});
  const cls = classOf(failure.status, info);
  return upstreamError(failure, coded(info, cls), cls);
};

/** The error of a stream event that carries `errors` instead of a chunk. */
export function watsonxStreamError(data: string, dep: DeploymentRef): GatewayError {
  const root = asObject(tryParse(data)) ?? {};
  const status = asNumber(root.status_code) ?? 500;
  const info = infoOf(root);
  const failure = { status, headers: {}, body: data, provider: dep.provider, deploymentId: dep.id };
  const cls = classOf(status, info);
  return upstreamError(failure, coded(info, cls), cls);
}
