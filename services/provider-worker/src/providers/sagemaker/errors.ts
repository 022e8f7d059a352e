// SageMaker Runtime errors -> canonical classes
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html#API_runtime_InvokeEndpoint_Errors).
// A container that answered with an error surfaces as ModelError (424) carrying the container's own status and body
// (`OriginalStatusCode`, `OriginalMessage`); the class follows that status, so a 4xx of the model server (TGI's input
// validation, a prompt over the context length) stays the client's error. Streams fail with ModelStreamError or
// InternalStreamFailure exception messages.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { AUTH_ERROR_TYPES, parseAwsError, upperFirst } from "../aws/errors.js";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";
import { asNumber, asObject, asString, tryParse } from "../json.js";
import { parseOpenAIError } from "../openai/errors.js";

const { ErrorClass } = llm;

const CLASS_OF_TYPE: Readonly<Record<string, llm.ErrorClass>> = {
  ThrottlingException: ErrorClass.RATE_LIMITED,
  ModelNotReadyException: ErrorClass.UNAVAILABLE,
  ServiceUnavailable: ErrorClass.UNAVAILABLE,
  InternalFailure: ErrorClass.UNAVAILABLE,
  InternalDependencyException: ErrorClass.UNAVAILABLE,
  ModelStreamError: ErrorClass.UNAVAILABLE,
  InternalStreamFailure: ErrorClass.UNAVAILABLE,
};

/** Over-long prompts as TGI ("`inputs` tokens + `max_new_tokens` must be <= 4096") and vLLM word them. */
const CONTEXT_WINDOW =
  /must be <= \d+|maximum context length|context length exceeded|context_length_exceeded|too many tokens|input is too long/i;

/** The container's own message: the `error`/`message` of its JSON body, else its text. */
function containerMessage(original: string | undefined): string | undefined {
  if (!original) return undefined;
  const parsed = tryParse(original);
  return parseOpenAIError(parsed).message ?? (parsed === undefined ? original : undefined);
}

/** Classifies a non-2xx InvokeEndpoint response. */
export const classifySagemakerError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const error = parseAwsError(failure.headers, failure.body);
  let status = failure.status;
  let message = error.message;
  let cls: llm.ErrorClass;
  if (error.type === "ModelError") {
    // The container's own status decides: its 4xx is about the request, its 5xx an outage.
    status = asNumber(error.body.OriginalStatusCode) ?? 500;
    message = containerMessage(asString(error.body.OriginalMessage)) ?? message;
    cls = classOfStatus(status);
  } else if (AUTH_ERROR_TYPES.has(error.type)) {
    cls = ErrorClass.AUTH;
  } else if (error.type === "ValidationError" && /endpoint .* not found/i.test(message ?? "")) {
    cls = ErrorClass.NOT_FOUND;
  } else {
    cls = CLASS_OF_TYPE[error.type] ?? classOfStatus(status);
  }
  if (
    (cls === ErrorClass.INVALID_REQUEST || cls === ErrorClass.PAYLOAD_TOO_LARGE) &&
    CONTEXT_WINDOW.test(message ?? "")
  ) {
    cls = ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  }
  if (cls === ErrorClass.RATE_LIMITED) status = 429;
  const code = cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? "context_length_exceeded" : undefined;
  return upstreamError({ ...failure, status }, { message, code }, cls);
};

/** Classifies an exception message received in the middle of a response stream. */
export function sagemakerStreamError(exceptionType: string, payload: string, dep: DeploymentRef): GatewayError {
  const type = upperFirst(exceptionType);
  const body = asObject(tryParse(payload)) ?? {};
  return classifySagemakerError({
    status: 500,
    headers: { "x-amzn-errortype": type },
    body: JSON.stringify({ message: asString(body.Message) ?? asString(body.message) ?? "stream failed" }),
    provider: dep.provider,
    deploymentId: dep.id,
  });
}
