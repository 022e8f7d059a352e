// Anthropic errors -> canonical classes (https://docs.anthropic.com/en/api/errors). Bodies look like
// {"type":"error","error":{"type":"rate_limit_error","message":"..."}}; the same object arrives as an
// `event: error` frame when a stream fails after its 200.

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
import { asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;

/** The HTTP status Anthropic documents for each error type; used for errors inside a stream. */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Prompt-too-long wording Anthropic uses for context overflow (there is no dedicated error type). */
const CONTEXT_WINDOW = /prompt is too long|exceed(s|ed)? (the )?context (limit|window)|context window/i;
/** Anthropic's output filter reports a 400 with this wording. */
const CONTENT_FILTER = /content filtering policy/i;

function parseError(body: string): ProviderErrorInfo & { type?: string } {
  const error = asObject(asObject(tryParse(body))?.error);
  const message = asString(error?.message);
  return { message, type: asString(error?.type), param: paramOf(message) };
}

/**
 * Anthropic names the offending field as a prefix, `messages.1.content: ...`; turned into OpenAI's
 * `messages[1].content` so clients see one param notation.
 */
function paramOf(message: string | undefined): string | undefined {
  const path = /^([a-z_]+(?:\.[A-Za-z0-9_]+)*):\s/.exec(message ?? "")?.[1];
  return path?.replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

/** Classifies a non-2xx Messages response. */
export const classifyAnthropicError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const info = parseError(failure.body);
  let cls = classOfStatus(failure.status);
  if (cls === ErrorClass.INVALID_REQUEST || cls === ErrorClass.PAYLOAD_TOO_LARGE) {
    if (CONTEXT_WINDOW.test(info.message ?? "")) cls = ErrorClass.CONTEXT_WINDOW_EXCEEDED;
    else if (CONTENT_FILTER.test(info.message ?? "")) cls = ErrorClass.CONTENT_POLICY;
  }
  const code = cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? "context_length_exceeded" : undefined;
  return upstreamError(failure, { ...info, code }, cls);
};

/** Classifies the data of an `error` event received mid-stream, using the type's documented status. */
export function anthropicStreamError(data: string, dep: DeploymentRef): GatewayError {
  const type = asString(asObject(asObject(tryParse(data))?.error)?.type) ?? "api_error";
  return classifyAnthropicError({
    status: STATUS_OF_TYPE[type] ?? 500,
    headers: {},
    body: data,
    provider: dep.provider,
    deploymentId: dep.id,
  });
}
