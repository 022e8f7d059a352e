// Shared pieces of upstream error classification. Each provider's `errors.ts` parses its own error
// body and decides the provider-specific classes (context window, content filter); the status table,
// Retry-After parsing and the rules for what a client may see live here once.

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";

const { ErrorClass } = llm;

/** The part of a deployment an error is tagged with. */
export type DeploymentRef = Pick<Deployment, "provider" | "id">;

/** A non-2xx upstream answer, read in full (bounded) and with the credential already redacted. */
export interface UpstreamFailure {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  readonly provider: string;
  readonly deploymentId: string;
}

/** What a provider's error body says, in OpenAI's vocabulary. */
export interface ProviderErrorInfo {
  readonly message?: string | undefined;
  readonly type?: string | undefined;
  readonly param?: string | undefined;
  readonly code?: string | undefined;
}

/** Turns a non-2xx upstream answer into a classified error; one per provider. */
export type ErrorClassifier = (failure: UpstreamFailure) => GatewayError;

/** The class an HTTP status implies when the body says nothing more specific. */
export function classOfStatus(status: number): llm.ErrorClass {
  switch (status) {
    case 400:
    case 422:
      return ErrorClass.INVALID_REQUEST;
    case 401:
      return ErrorClass.AUTH;
    case 402:
    case 403:
      return ErrorClass.PERMISSION_DENIED;
    case 404:
      return ErrorClass.NOT_FOUND;
    case 408:
    case 504:
      return ErrorClass.TIMEOUT;
    case 413:
      return ErrorClass.PAYLOAD_TOO_LARGE;
    case 429:
      return ErrorClass.RATE_LIMITED;
    default:
      return status >= 500 ? ErrorClass.UNAVAILABLE : ErrorClass.INVALID_REQUEST;
  }
}

/**
 * Classes whose upstream message, type, param and code are about the client's own request and so are
 * shown to it. Every other class gets a generic message: auth messages echo part of the key, rate-limit
 * messages name the gateway's organisation, and 5xx bodies are noise.
 */
const CLIENT_FACING = new Set<llm.ErrorClass>([
  ErrorClass.INVALID_REQUEST,
  ErrorClass.NOT_FOUND,
  ErrorClass.CONTEXT_WINDOW_EXCEEDED,
  ErrorClass.CONTENT_POLICY,
  ErrorClass.PAYLOAD_TOO_LARGE,
]);

const GENERIC: Partial<Record<llm.ErrorClass, string>> = {
  [ErrorClass.AUTH]: "the upstream provider rejected the deployment's credentials",
  [ErrorClass.PERMISSION_DENIED]: "the deployment's credentials may not use this upstream resource",
  [ErrorClass.RATE_LIMITED]: "the upstream provider is rate limiting this deployment",
  [ErrorClass.UNAVAILABLE]: "the upstream provider is unavailable",
  [ErrorClass.TIMEOUT]: "the upstream provider timed out",
};

/** The message of an error body that is not JSON: its text, cut to 500 characters; none for an HTML page. */
export function plainTextMessage(body: string): string | undefined {
  const text = body.trim();
  return text && !text.startsWith("<") ? text.slice(0, 500) : undefined;
}

/** OpenAI's code for an over-long prompt, so clients recognise it whatever the provider called it. */
export function withContextCode(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  return cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? { ...info, code: "context_length_exceeded" } : info;
}

/**
 * The failure a classifier reads for an error that came after a 2xx status (in a stream event or a 2xx body): `status`
 * is the one it is classified as, 500 unless the error says more.
 */
export function eventFailure(
  body: string,
  dep: { readonly provider: string; readonly id: string },
  status = 500,
): UpstreamFailure {
  return { status, headers: {}, body, provider: dep.provider, deploymentId: dep.id };
}

/** Builds the classified error for an upstream failure from what its body said. */
export function upstreamError(failure: UpstreamFailure, info: ProviderErrorInfo, cls: llm.ErrorClass): GatewayError {
  const facing = CLIENT_FACING.has(cls);
  const generic = GENERIC[cls] ?? "the upstream provider failed";
  const message = facing && info.message ? info.message : `${failure.provider}: ${generic} (HTTP ${failure.status})`;
  const retryAfter = parseRetryAfter(failure.headers);
  return new GatewayError(
    {
      class: cls,
      message,
      // error.proto: the client sees the upstream's status for upstream 4xx, the class's status otherwise.
      httpStatus: failure.status >= 400 && failure.status < 500 ? failure.status : 0,
      type: facing ? (info.type ?? "") : "",
      param: facing ? (info.param ?? "") : "",
      code: facing ? (info.code ?? "") : "",
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      provider: failure.provider,
      deploymentId: failure.deploymentId,
    },
    { cause: new Error(`upstream HTTP ${failure.status}: ${failure.body.slice(0, 2000)}`) },
  );
}

/**
 * Seconds to wait from `retry-after-ms` (OpenAI) or `retry-after` (delta-seconds or an HTTP date,
 * RFC 9110 section 10.2.3); undefined when absent or unparsable.
 */
export function parseRetryAfter(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  now = Date.now(),
): number | undefined {
  const ms = Number(first(headers["retry-after-ms"]));
  if (first(headers["retry-after-ms"]) !== undefined && Number.isFinite(ms) && ms >= 0) return ms / 1000;
  const raw = first(headers["retry-after"])?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The error for a request the provider cannot express, naming the provider and the parameter. */
export function unsupportedParam(dep: DeploymentRef, param: string, detail = ""): GatewayError {
  const suffix = detail ? ` ${detail}` : "";
  return new GatewayError({
    class: ErrorClass.INVALID_REQUEST,
    message: `${dep.provider} does not support parameter "${param}"${suffix}`,
    param,
    code: "unsupported_parameter",
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

/**
 * The error for a deployment that cannot be called as configured (no account, key or api_base): INTERNAL unless told
 * (AUTH for a missing key), its message `deployment "<id>" (<provider>) <what>`.
 */
export function misconfigured(
  dep: DeploymentRef,
  what: string,
  cls: llm.ErrorClass = ErrorClass.INTERNAL,
  cause?: unknown,
): GatewayError {
  return new GatewayError(
    {
      class: cls,
      message: `deployment "${dep.id}" (${dep.provider}) ${what}`,
      provider: dep.provider,
      deploymentId: dep.id,
    },
    cause === undefined ? undefined : { cause },
  );
}

/** An invalid-request error found while translating, tagged with the deployment. */
export function translationError(dep: DeploymentRef, message: string, param: string): GatewayError {
  return new GatewayError({
    class: ErrorClass.INVALID_REQUEST,
    message,
    param,
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

/** An upstream that answered 2xx with something unusable (bad JSON, a truncated stream). */
export function malformedUpstream(dep: DeploymentRef, what: string, cause?: unknown): GatewayError {
  return new GatewayError(
    {
      class: ErrorClass.UNAVAILABLE,
      message: `${dep.provider}: ${what}`,
      provider: dep.provider,
      deploymentId: dep.id,
    },
    { cause },
  );
}

/**
 * The error for an aborted attempt: TIMEOUT when the signal's reason is a timeout (AbortSignal.timeout
 * or a deadline the worker set with a TimeoutError reason), CANCELLED when the caller went away.
 */
export function abortError(dep: DeploymentRef, reason: unknown): GatewayError {
  const timedOut = typeof reason === "object" && reason !== null && (reason as Error).name === "TimeoutError";
  return new GatewayError(
    {
      class: timedOut ? ErrorClass.TIMEOUT : ErrorClass.CANCELLED,
      message: timedOut ? `${dep.provider}: the upstream call timed out` : "the request was cancelled",
      provider: dep.provider,
      deploymentId: dep.id,
    },
    { cause: reason },
  );
}
