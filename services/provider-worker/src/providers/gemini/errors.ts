// Google API errors -> canonical classes, for the Gemini API and Vertex AI
// (https://ai.google.dev/gemini-api/docs/troubleshooting, https://cloud.google.com/apis/design/errors).
// Bodies look like {"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}; the
// same object can arrive as a `data:` frame when a stream fails after its 200.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";

const { ErrorClass } = llm;

/** A Google error body, read. */
export interface GoogleError {
  readonly code?: number | undefined;
  readonly message?: string | undefined;
  /** The canonical status name: INVALID_ARGUMENT, RESOURCE_EXHAUSTED ... */
  readonly status?: string | undefined;
  /** `reason` of the google.rpc.ErrorInfo detail (API_KEY_INVALID ...). */
  readonly reason?: string | undefined;
  /** Seconds from the google.rpc.RetryInfo detail's `retryDelay` ("17s"). */
  readonly retryDelay?: number | undefined;
}

/** The class each canonical status implies, where it says more than the HTTP status. */
const CLASS_OF_STATUS: Readonly<Record<string, llm.ErrorClass>> = {
  INVALID_ARGUMENT: ErrorClass.INVALID_REQUEST,
  FAILED_PRECONDITION: ErrorClass.INVALID_REQUEST,
  OUT_OF_RANGE: ErrorClass.INVALID_REQUEST,
  UNAUTHENTICATED: ErrorClass.AUTH,
  PERMISSION_DENIED: ErrorClass.PERMISSION_DENIED,
  NOT_FOUND: ErrorClass.NOT_FOUND,
  RESOURCE_EXHAUSTED: ErrorClass.RATE_LIMITED,
  DEADLINE_EXCEEDED: ErrorClass.TIMEOUT,
  UNAVAILABLE: ErrorClass.UNAVAILABLE,
  INTERNAL: ErrorClass.UNAVAILABLE,
  UNKNOWN: ErrorClass.UNAVAILABLE,
  ABORTED: ErrorClass.UNAVAILABLE,
  CANCELLED: ErrorClass.UNAVAILABLE,
};

/** The HTTP status of each canonical status (google.rpc.Code), for errors inside a stream. */
const HTTP_OF_STATUS: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  DEADLINE_EXCEEDED: 504,
  UNAVAILABLE: 503,
};

/** An invalid key is a 400 INVALID_ARGUMENT on the Gemini API, with this reason or wording. */
const BAD_KEY_REASONS = new Set(["API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED"]);
const BAD_KEY_WORDING = /API key (not valid|expired)/i;
/** "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)." */
const CONTEXT_WINDOW =
  /input token count.*exceeds|exceeds the maximum number of tokens|context (length|window)|too many tokens/i;

/** A table's own entry for an upstream string (never an inherited one such as `constructor`). */
function own<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Reads a Google error object (the value of a body's `error` key). */
export function parseGoogleError(value: unknown): GoogleError {
  const error = asObject(value) ?? {};
  const details = asArray(error.details).map((d) => asObject(d) ?? {});
  const reason = details.map((d) => asString(d.reason)).find((r) => r !== undefined);
  const delay = details.map((d) => asString(d.retryDelay)).find((r) => r !== undefined);
  return {
    code: asNumber(error.code),
    message: asString(error.message),
    status: asString(error.status),
    reason,
    retryDelay: delay === undefined ? undefined : parseDuration(delay),
  };
}

/** A protobuf Duration in JSON ("17s", "0.5s"); undefined when malformed. */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

/** The class of a Google error: its canonical status first, then the HTTP status, refined by reason and wording. */
function classOf(httpStatus: number, error: GoogleError): llm.ErrorClass {
  const cls = own(CLASS_OF_STATUS, error.status) ?? classOfStatus(httpStatus);
  if (cls !== ErrorClass.INVALID_REQUEST) return cls;
  if (BAD_KEY_REASONS.has(error.reason ?? "") || BAD_KEY_WORDING.test(error.message ?? "")) return ErrorClass.AUTH;
  if (CONTEXT_WINDOW.test(error.message ?? "")) return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  return cls;
}

/** Classifies a Google error that came with `httpStatus`. */
export function googleError(failure: UpstreamFailure, error: GoogleError): GatewayError {
  const cls = classOf(failure.status, error);
  const code = cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? "context_length_exceeded" : undefined;
  const err = upstreamError(failure, { message: error.message, type: error.status, code }, cls);
  // Google says when to retry in the body, not in Retry-After.
  if (err.detail.retryAfterSeconds === undefined && error.retryDelay !== undefined) {
    err.detail.retryAfterSeconds = error.retryDelay;
  }
  return err;
}

/** Classifies a non-2xx answer of the Gemini API or of Vertex AI. */
export const classifyGoogleError: ErrorClassifier = (failure: UpstreamFailure): GatewayError =>
  googleError(failure, parseGoogleError(errorBody(failure.body)?.error));

/** The error object of a body; Google wraps it in an array on non-SSE streaming calls. */
function errorBody(text: string): JsonObject | undefined {
  const parsed = tryParse(text);
  return asObject(Array.isArray(parsed) ? parsed[0] : parsed);
}

/** True when a parsed body is a Google error (`{"error": {...}}` with a code or status). */
export function isGoogleError(body: JsonObject | undefined): boolean {
  const error = asObject(body?.error);
  return error !== undefined && (error.status !== undefined || error.code !== undefined);
}

/** The error of a stream frame that carries `{"error": ...}` instead of a response. */
export function googleStreamError(frame: JsonObject, dep: DeploymentRef): GatewayError {
  const error = parseGoogleError(frame.error);
  const status = error.code ?? own(HTTP_OF_STATUS, error.status) ?? 500;
  const failure = { status, headers: {}, body: JSON.stringify(frame), provider: dep.provider, deploymentId: dep.id };
  return googleError(failure, error);
}
