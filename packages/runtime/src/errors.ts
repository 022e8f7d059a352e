import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { llm } from "@switchyard/proto";
import { type ConnectErrorJson, codeOfHttpStatus, codeOfNumber, isConnectCode, numberOfCode } from "./connect/codes.js";

/** The trailer that carries a switchyard.llm.v1.Error between services. */
export const ERROR_TRAILER = "switchyard-error-bin";

/** The `type` of the Connect error detail that carries a switchyard.llm.v1.Error between services. */
export const ERROR_DETAIL_TYPE = "switchyard.llm.v1.Error";

const { ErrorClass } = llm;
type ErrorClass = llm.ErrorClass;

interface ClassInfo {
  grpc: grpc.status;
  http: number;
  type: string;
  code: string;
  retryable: boolean;
}

const CLASSES: Record<ErrorClass, ClassInfo> = {
  [ErrorClass.UNSPECIFIED]: {
    grpc: grpc.status.UNKNOWN,
    http: 500,
    type: "api_error",
    code: "internal_error",
    retryable: false,
  },
  [ErrorClass.INVALID_REQUEST]: {
    grpc: grpc.status.INVALID_ARGUMENT,
    http: 400,
    type: "invalid_request_error",
    code: "invalid_request",
    retryable: false,
  },
  [ErrorClass.AUTH]: {
    grpc: grpc.status.UNAUTHENTICATED,
    http: 401,
    type: "authentication_error",
    code: "invalid_api_key",
    retryable: false,
  },
  [ErrorClass.PERMISSION_DENIED]: {
    grpc: grpc.status.PERMISSION_DENIED,
    http: 403,
    type: "permission_error",
    code: "permission_denied",
    retryable: false,
  },
  [ErrorClass.NOT_FOUND]: {
    grpc: grpc.status.NOT_FOUND,
    http: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    retryable: false,
  },
  [ErrorClass.RATE_LIMITED]: {
    grpc: grpc.status.RESOURCE_EXHAUSTED,
    http: 429,
    type: "rate_limit_error",
    code: "rate_limit_exceeded",
    retryable: true,
  },
  [ErrorClass.UNAVAILABLE]: {
    grpc: grpc.status.UNAVAILABLE,
    http: 503,
    type: "api_error",
    code: "upstream_unavailable",
    retryable: true,
  },
  [ErrorClass.TIMEOUT]: {
    grpc: grpc.status.DEADLINE_EXCEEDED,
    http: 504,
    type: "timeout_error",
    code: "timeout",
    retryable: true,
  },
  [ErrorClass.CONTEXT_WINDOW_EXCEEDED]: {
    grpc: grpc.status.INVALID_ARGUMENT,
    http: 400,
    type: "invalid_request_error",
    code: "context_length_exceeded",
    retryable: false,
  },
  [ErrorClass.CONTENT_POLICY]: {
    grpc: grpc.status.INVALID_ARGUMENT,
    http: 400,
    type: "invalid_request_error",
    code: "content_policy_violation",
    retryable: false,
  },
  [ErrorClass.PAYLOAD_TOO_LARGE]: {
    grpc: grpc.status.RESOURCE_EXHAUSTED,
    http: 413,
    type: "invalid_request_error",
    code: "payload_too_large",
    retryable: false,
  },
  [ErrorClass.CANCELLED]: {
    grpc: grpc.status.CANCELLED,
    http: 499,
    type: "api_error",
    code: "cancelled",
    retryable: false,
  },
  [ErrorClass.INTERNAL]: {
    grpc: grpc.status.INTERNAL,
    http: 500,
    type: "api_error",
    code: "internal_error",
    retryable: false,
  },
  [ErrorClass.BUDGET_EXCEEDED]: {
    grpc: grpc.status.RESOURCE_EXHAUSTED,
    http: 400,
    type: "budget_exceeded",
    code: "budget_exceeded",
    retryable: false,
  },
};

const FROM_GRPC: Partial<Record<grpc.status, ErrorClass>> = {
  [grpc.status.INVALID_ARGUMENT]: ErrorClass.INVALID_REQUEST,
  [grpc.status.UNAUTHENTICATED]: ErrorClass.AUTH,
  [grpc.status.PERMISSION_DENIED]: ErrorClass.PERMISSION_DENIED,
  [grpc.status.NOT_FOUND]: ErrorClass.NOT_FOUND,
  [grpc.status.RESOURCE_EXHAUSTED]: ErrorClass.RATE_LIMITED,
  [grpc.status.UNAVAILABLE]: ErrorClass.UNAVAILABLE,
  [grpc.status.DEADLINE_EXCEEDED]: ErrorClass.TIMEOUT,
  [grpc.status.CANCELLED]: ErrorClass.CANCELLED,
};

/** Whether the router may retry or fall back after an error of this class. */
export function isRetryable(cls: ErrorClass): boolean {
  return CLASSES[cls]?.retryable ?? false;
}

/** The HTTP status an error class maps to when the error itself names none. */
export function httpStatusOf(cls: ErrorClass): number {
  return CLASSES[cls]?.http ?? 500;
}

/** Fields of a classified error; everything but the class and message is optional. */
export type ErrorInit = Partial<Omit<llm.Error, "$typeName" | "$unknown">> & { class: ErrorClass; message: string };

/**
 * The one error type inside Switchyard. It carries a classified switchyard.llm.v1.Error whose message
 * is safe to show a caller; the original error stays in `cause` for logs and never reaches the caller.
 */
/**
 * The message of an UNAVAILABLE that says the peer service itself could not take the call (unreachable, connection
 * reset, draining, or an `unavailable` without a switchyard detail): nothing about the upstream behind it.
 */
export const PEER_UNAVAILABLE_MESSAGE = "upstream service unavailable";

/** Whether `error` is the peer service failing to take a call, not an answer from behind it. */
export function isPeerUnavailable(error: GatewayError): boolean {
  return error.errorClass === ErrorClass.UNAVAILABLE && error.message === PEER_UNAVAILABLE_MESSAGE;
}

export class GatewayError extends Error {
  readonly detail: llm.Error;
  /** Response headers and trailers of the internal call that failed (route headers), empty otherwise. */
  readonly meta: Readonly<Record<string, string>>;

  constructor(init: ErrorInit, options?: { cause?: unknown; meta?: Record<string, string> }) {
    super(init.message, options);
    this.meta = options?.meta ?? {};
    this.name = "GatewayError";
    const info = CLASSES[init.class];
    this.detail = create(llm.ErrorSchema, {
      ...init,
      httpStatus: init.httpStatus || info.http,
      type: init.type || info.type,
      code: init.code || info.code,
    });
  }

  get errorClass(): ErrorClass {
    return this.detail.class;
  }

  get retryable(): boolean {
    return isRetryable(this.detail.class);
  }

  /** Normalises anything thrown into a GatewayError, reading the error trailer of a gRPC failure. */
  static from(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    if (isServiceError(err)) return fromServiceError(err);
    return new GatewayError({ class: ErrorClass.INTERNAL, message: "internal error" }, { cause: err });
  }

  /** The Connect error JSON that carries this error to an internal caller, the detail round-tripping exactly. */
  toConnectError(): ConnectErrorJson {
    const value = Buffer.from(toBinary(llm.ErrorSchema, this.detail)).toString("base64").replace(/=+$/, "");
    return {
      code: codeOfNumber(CLASSES[this.detail.class]?.grpc ?? grpc.status.UNKNOWN),
      message: this.message,
      details: [{ type: ERROR_DETAIL_TYPE, value }],
    };
  }

  /** Reads a Connect error (unary body or end-stream `error`): its switchyard detail, else its code. */
  static fromConnectError(json: unknown, httpStatus: number, meta?: Record<string, string>): GatewayError {
    const err = (typeof json === "object" && json !== null ? json : {}) as Partial<
      Record<keyof ConnectErrorJson, unknown>
    >;
    const detail = Array.isArray(err.details)
      ? (err.details as unknown[]).find(
          (d): d is { value: string } =>
            typeof d === "object" &&
            d !== null &&
            (d as { type?: unknown }).type === ERROR_DETAIL_TYPE &&
            typeof (d as { value?: unknown }).value === "string",
        )
      : undefined;
    if (detail) {
      try {
        const decoded = fromBinary(llm.ErrorSchema, Buffer.from(detail.value, "base64"));
        return new GatewayError({ ...decoded, message: decoded.message }, { cause: json, meta });
      } catch {
        // fall through to the code: a corrupt detail must not hide the failure
      }
    }
    const code = isConnectCode(err.code) ? err.code : codeOfHttpStatus(httpStatus);
    const cls = FROM_GRPC[numberOfCode(code) as grpc.status] ?? ErrorClass.INTERNAL;
    const text = typeof err.message === "string" && err.message ? err.message : "internal error";
    const message = cls === ErrorClass.UNAVAILABLE ? PEER_UNAVAILABLE_MESSAGE : text;
    return new GatewayError({ class: cls, message }, { cause: json, meta });
  }

  /** The gRPC status object that carries this error to the caller, extra metadata merged in. */
  toStatus(extra?: grpc.Metadata): Partial<grpc.StatusObject> {
    const metadata = extra ? extra.clone() : new grpc.Metadata();
    metadata.set(ERROR_TRAILER, Buffer.from(toBinary(llm.ErrorSchema, this.detail)));
    return { code: CLASSES[this.detail.class]?.grpc ?? grpc.status.UNKNOWN, details: this.message, metadata };
  }
}

/** Shorthand for an invalid-request error naming the offending field. */
export function invalidRequest(message: string, param = ""): GatewayError {
  return new GatewayError({ class: ErrorClass.INVALID_REQUEST, message, param });
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as grpc.ServiceError).code === "number" && "metadata" in err;
}

/** Reads the classified error of a finished gRPC call, from its trailer or else from its status code. */
export function fromServiceError(err: Pick<grpc.StatusObject, "code" | "details" | "metadata">): GatewayError {
  const raw = err.metadata?.get(ERROR_TRAILER)[0];
  if (Buffer.isBuffer(raw)) {
    try {
      const detail = fromBinary(llm.ErrorSchema, raw);
      return new GatewayError({ ...detail, message: detail.message }, { cause: err });
    } catch {
      // fall through to the status code: a corrupt trailer must not hide the failure
    }
  }
  const cls = FROM_GRPC[err.code] ?? ErrorClass.INTERNAL;
  const message = cls === ErrorClass.UNAVAILABLE ? PEER_UNAVAILABLE_MESSAGE : err.details || "internal error";
  return new GatewayError({ class: cls, message }, { cause: err });
}
