// Connect error codes and their HTTP statuses, from https://connectrpc.com/docs/protocol#error-codes.

/** A Connect error code, as it appears in the `code` field of an error. */
export type ConnectCode =
  | "canceled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

// Indexed by the gRPC status number the code shares (0, "ok", never appears on the wire).
const BY_NUMBER: readonly (ConnectCode | undefined)[] = [
  undefined,
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

const HTTP_STATUS: Record<ConnectCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

/** The Connect code that shares a gRPC status number; `unknown` for anything else. */
export function codeOfNumber(status: number): ConnectCode {
  return BY_NUMBER[status] ?? "unknown";
}

/** The gRPC status number of a Connect code. */
export function numberOfCode(code: ConnectCode): number {
  return BY_NUMBER.indexOf(code);
}

/** Whether a string is a Connect error code. */
export function isConnectCode(value: unknown): value is ConnectCode {
  return typeof value === "string" && Object.hasOwn(HTTP_STATUS, value);
}

/** The HTTP status a unary error response with this code carries. */
export function httpStatusOfCode(code: ConnectCode): number {
  return HTTP_STATUS[code];
}

/** The code a client infers from the HTTP status of a response without a Connect error body. */
export function codeOfHttpStatus(status: number): ConnectCode {
  switch (status) {
    case 400:
      return "internal";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "unimplemented";
    case 429:
    case 502:
    case 503:
    case 504:
      return "unavailable";
    default:
      return "unknown";
  }
}

/** One entry of an error's `details`: a fully-qualified message name and its base64 protobuf encoding. */
export interface ErrorDetailJson {
  type: string;
  value: string;
  debug?: unknown;
}

/** The JSON form of a Connect error: a unary error body, or `error` of an end-stream message. */
export interface ConnectErrorJson {
  code: ConnectCode;
  message?: string;
  details?: ErrorDetailJson[];
}
