// Bedrock Runtime errors -> canonical classes
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors).
// The type comes from the `x-amzn-ErrorType` header (or the body's `__type`), the message from `{"message": ...}`. The
// same exceptions arrive inside a ConverseStream as event-stream `exception` messages named in lowerCamelCase.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { AUTH_ERROR_TYPES, parseAwsError, upperFirst } from "../aws/errors.js";
import { type AwsStreamMessage, payloadText } from "../aws/event-stream.js";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";

const { ErrorClass } = llm;

/** Bedrock's documented error types and their classes; ValidationException is refined by its message. */
const CLASS_OF_TYPE: Readonly<Record<string, llm.ErrorClass>> = {
  ThrottlingException: ErrorClass.RATE_LIMITED,
  ServiceQuotaExceededException: ErrorClass.RATE_LIMITED,
  ModelTimeoutException: ErrorClass.TIMEOUT,
  ServiceUnavailableException: ErrorClass.UNAVAILABLE,
  InternalServerException: ErrorClass.UNAVAILABLE,
  ModelNotReadyException: ErrorClass.UNAVAILABLE,
  ModelErrorException: ErrorClass.UNAVAILABLE,
  ModelStreamErrorException: ErrorClass.UNAVAILABLE,
  ResourceNotFoundException: ErrorClass.NOT_FOUND,
  ValidationException: ErrorClass.INVALID_REQUEST,
};

/** The HTTP status Bedrock documents for each type; used for exceptions inside a stream (whose status was 200). */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** Bedrock's wording for a prompt over the model's context window ("Input is too long for requested model."). */
const CONTEXT_WINDOW =
  /too long|too many (input )?tokens|context (window|length)|maximum context|exceeds? the (max(imum)?|model'?s?) (number of )?(input )?tokens/i;
/** A model's own content filter refusing the request or the answer. */
const CONTENT_FILTER = /content filter|blocked by (the )?content|output blocked/i;

function classOf(type: string, status: number, message: string): llm.ErrorClass {
  if (AUTH_ERROR_TYPES.has(type)) return ErrorClass.AUTH;
  const cls = CLASS_OF_TYPE[type] ?? classOfStatus(status);
  if (cls !== ErrorClass.INVALID_REQUEST && cls !== ErrorClass.PAYLOAD_TOO_LARGE) return cls;
  if (CONTEXT_WINDOW.test(message)) return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  if (CONTENT_FILTER.test(message)) return ErrorClass.CONTENT_POLICY;
  return cls;
}

/** Classifies a non-2xx Converse response. */
export const classifyBedrockError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const error = parseAwsError(failure.headers, failure.body);
  const cls = classOf(error.type, failure.status, error.message ?? "");
  // A quota error is a 400 on the wire; the client should see the 429 it is.
  const status = cls === ErrorClass.RATE_LIMITED ? 429 : failure.status;
  const code = cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? "context_length_exceeded" : undefined;
  return upstreamError({ ...failure, status }, { message: error.message, code }, cls);
};

/** Classifies an `exception` (or `error`) message received in the middle of a Bedrock stream. */
export function bedrockStreamError(exceptionType: string, payload: string, dep: DeploymentRef): GatewayError {
  const type = upperFirst(exceptionType);
  return classifyBedrockError({
    status: STATUS_OF_TYPE[type] ?? 500,
    headers: { "x-amzn-errortype": type },
    body: payload,
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

/**
 * Throws the classified error of a stream message that is an `exception` or an `error` rather than an event; returns
 * for an event. Converse and InvokeModel streams carry failures the same way.
 */
export function throwIfStreamFailure(message: AwsStreamMessage, dep: DeploymentRef): void {
  if (message.messageType === "exception") {
    throw bedrockStreamError(message.exceptionType ?? "InternalServerException", payloadText(message), dep);
  }
  if (message.messageType === "error") {
    const body = JSON.stringify({ message: message.errorMessage ?? "stream error" });
    throw bedrockStreamError(message.errorCode ?? "InternalServerException", body, dep);
  }
}
