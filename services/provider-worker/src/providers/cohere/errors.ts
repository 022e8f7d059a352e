// Cohere errors -> canonical classes (https://docs.cohere.com/reference/errors). Bodies are {"message": "..."}; the
// status says most of it: 400 bad request, 401 unauthorized, 402 payment required, 404 not found, 422 unprocessable,
// 429 rate limited (trial keys included), 498 invalid token, 499 request cancelled, 500, 501, 503, 504.

import { llm } from "@switchyard/proto";
import { type GatewayError, httpStatusOf } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";
import { asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;

/** Cohere's wording for a prompt over the context window ("too many tokens: ... size limit exceeded ..."). */
const CONTEXT_WINDOW = /too many tokens|context (length|window)|exceeds? the model'?s? (maximum )?context/i;
/** Cohere's safety filter refusing a prompt ("blocked input ..."). */
const CONTENT_FILTER = /blocked (input|output)|usage policy|content filter/i;

/** The class of a Cohere status, refining 400/422 by wording. */
function classOf(status: number, message: string): llm.ErrorClass {
  // 498 is Cohere's "invalid token" (a bad or revoked key). A 499 is a request cancelled upstream: ours aborts the
  // socket before any status is read, so one that arrives was not the caller's doing and may be retried.
  if (status === 498) return ErrorClass.AUTH;
  if (status === 499) return ErrorClass.UNAVAILABLE;
  const cls = classOfStatus(status);
  if (cls !== ErrorClass.INVALID_REQUEST) return cls;
  if (CONTEXT_WINDOW.test(message)) return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  if (CONTENT_FILTER.test(message)) return ErrorClass.CONTENT_POLICY;
  return cls;
}

/** Classifies a non-2xx chat response. */
export const classifyCohereError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const message = asString(asObject(tryParse(failure.body))?.message) ?? "";
  const cls = classOf(failure.status, message);
  const code = cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? "context_length_exceeded" : undefined;
  const error = upstreamError(failure, { message: message || undefined, code }, cls);
  // Statuses outside HTTP's common set reach clients as their class's status (401, 503), which OpenAI SDKs know.
  if (failure.status === 498 || failure.status === 499) error.detail.httpStatus = httpStatusOf(cls);
  return error;
};

/** Classifies an `error` event received mid-stream (its data is the same {"message": ...} body). */
export function cohereStreamError(data: string, dep: DeploymentRef): GatewayError {
  return classifyCohereError({ status: 500, headers: {}, body: data, provider: dep.provider, deploymentId: dep.id });
}
