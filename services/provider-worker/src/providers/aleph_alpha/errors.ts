// Aleph Alpha errors -> canonical classes. Error bodies are `{"error": "<message>", "code": "<CODE>"}` with the HTTP
// status (the official client maps 400 to ValueError, 401 PermissionError, 402 QuotaError, 408 TimeoutError and 503
// BusyError); LiteLLM's exception mapping treats "This is longer than the model's maximum context length" as a
// context-window error and "InvalidToken" / "No token provided" as auth.

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
  /maximum context length|prompt (is )?too long|too many tokens|exceeds? the (model'?s? )?(maximum|context)/i;
const AUTH_CODES = /^(InvalidToken|NoToken|Unauthorized)/i;

/** The message and code of an Aleph Alpha error body (or plain text). */
export function alephAlphaInfo(body: string): ProviderErrorInfo {
  const root = asObject(tryParse(body));
  if (!root) return { message: plainTextMessage(body) };
  const error = root.error;
  return {
    message: asString(error) ?? asString(asObject(error)?.message) ?? asString(root.message),
    code: asString(root.code) ?? asString(asObject(error)?.code),
  };
}

function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  if (AUTH_CODES.test(info.code ?? "") || /no token provided/i.test(info.message ?? "")) return ErrorClass.AUTH;
  const cls = classOfStatus(status);
  if (cls !== ErrorClass.INVALID_REQUEST) return cls;
  if (CONTEXT_WORDING.test(info.message ?? "") || /TOO_LONG|TOO_MANY_TOKENS/i.test(info.code ?? "")) {
    return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  }
  return cls;
}

function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  // Aleph Alpha's codes are its own vocabulary; OpenAI's code is given for an over-long prompt only.
  return withContextCode({ message: info.message }, cls);
}

/** Classifies a non-2xx Aleph Alpha answer. */
export const classifyAlephAlphaError: ErrorClassifier = (failure) => {
  const info = alephAlphaInfo(failure.body);
  const cls = classOf(failure.status, info);
  return upstreamError(failure, coded(info, cls), cls);
};

/** The error of a stream event that carries `error` instead of a stream item (classified as a 500's would be). */
export function alephAlphaStreamError(data: string, dep: DeploymentRef): GatewayError {
  const info = alephAlphaInfo(data);
  return upstreamError(eventFailure(data, dep), coded(info, ErrorClass.UNAVAILABLE), classOf(500, info));
}
