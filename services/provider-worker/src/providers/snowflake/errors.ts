// Snowflake REST API errors -> canonical classes. Bodies are the ErrorResponse of the REST API specs
// (specifications/common.yaml): `{"message", "code", "error_code" (deprecated), "request_id"}`, with 400, 401, 403,
// 404 (an unknown model, or Cortex not enabled in the region), 429, 500, 503 and 504.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  eventFailure,
  type ProviderErrorInfo,
  plainTextMessage,
  upstreamError,
  withContextCode,
} from "../errors.js";
import { asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;
const CONTEXT_WORDING =
  /context (window|length)|prompt is too long|input is too long|too many tokens|exceeds? (the )?(maximum|max|model'?s?) .*tokens|max(imum)? tokens? .*exceeded/i;

/** The message and code of a Snowflake error body (or its plain text). */
export function snowflakeInfo(body: string): ProviderErrorInfo {
  const root = asObject(tryParse(body));
  if (!root) return { message: plainTextMessage(body) };
  const error = root.error;
  const message = asString(root.message) ?? asString(error) ?? asString(asObject(error)?.message);
  return { message, code: asString(root.code) ?? asString(root.error_code) };
}

function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  const cls = classOfStatus(status);
  if (cls === ErrorClass.INVALID_REQUEST && CONTEXT_WORDING.test(info.message ?? "")) {
    return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  }
  return cls;
}

function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  // Snowflake's numeric codes mean nothing to an OpenAI client; OpenAI's code is given for an over-long prompt.
  return withContextCode({ message: info.message }, cls);
}

/** Classifies a non-2xx Cortex answer. */
export const classifySnowflakeError: ErrorClassifier = (failure) => {
  const info = snowflakeInfo(failure.body);
  const cls = classOf(failure.status, info);
  return upstreamError(failure, coded(info, cls), cls);
};

/** The error of a stream event that carries an error instead of choices (classified as a 500's would be). */
export function snowflakeStreamError(data: string, dep: DeploymentRef): GatewayError {
  const info = coded(snowflakeInfo(data), ErrorClass.UNAVAILABLE);
  return upstreamError(eventFailure(data, dep), info, ErrorClass.UNAVAILABLE);
}
