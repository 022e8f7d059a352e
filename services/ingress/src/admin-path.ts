// Strict request targets for the admin routes. Routing compares the exact path the client sent, never a decoded or
// normalised form, so `/%6bey/info`, `//key/info` or `/x/../key/info` can never reach an admin handler through a
// path that a proxy, a WAF rule or an audit log reads differently. Such paths are refused outright, as are
// absolute-form targets (`GET http://admin/key/info`); the Host header plays no part.

import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";

/** A request target split into its path and query. */
export interface Target {
  readonly path: string;
  readonly query: URLSearchParams;
  /** Whether the target had a `?` at all (POST routes take none). */
  readonly hasQuery: boolean;
}

/** Characters of one canonical path segment: what LiteLLM's routes, key ids and `sk-` secrets consist of. */
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** Longest request target considered; anything longer is refused before it is parsed. */
const MAX_TARGET = 8192;

function badPath(reason: string): GatewayError {
  return invalidRequest(`request path: ${reason}`, "path");
}

/**
 * Splits and checks a request target. Throws a 400 for anything but an absolute path of non-empty segments of
 * `[A-Za-z0-9_.-]` (so no percent-encoding, no `//`, no `.` or `..` segment, no trailing `/`, no control
 * characters), except the root `/`.
 */
export function parseTarget(url: string | undefined): Target {
  const raw = url ?? "";
  if (raw.length > MAX_TARGET) throw badPath(`longer than ${MAX_TARGET} characters`);
  if (!raw.startsWith("/")) throw badPath("expected an absolute path such as /key/info");
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  if (path !== "/") {
    for (const segment of path.slice(1).split("/")) {
      if (segment === "") throw badPath("empty segments (// or a trailing /) are not accepted");
      if (segment === "." || segment === "..") throw badPath("dot segments are not accepted");
      if (!SEGMENT.test(segment)) throw badPath("expected segments of [A-Za-z0-9_.-] without percent-encoding");
    }
  }
  const query = q < 0 ? "" : raw.slice(q + 1);
  return { path, query: new URLSearchParams(query), hasQuery: q >= 0 };
}

/** The HTTP methods the admin routes answer. */
export type AdminMethod = "GET" | "POST";

/** A route pattern with one `{key}` placeholder, such as LiteLLM's `/key/{key}/regenerate`. */
export interface PathPattern {
  readonly prefix: string;
  readonly suffix: string;
}

/** Matches `path` against `prefix{key}suffix`; the key is one canonical segment. */
export function matchPattern(pattern: PathPattern, path: string): string | undefined {
  if (!path.startsWith(pattern.prefix) || !path.endsWith(pattern.suffix)) return undefined;
  const key = path.slice(pattern.prefix.length, path.length - pattern.suffix.length);
  return key !== "" && !key.includes("/") && SEGMENT.test(key) ? key : undefined;
}

/** The 405 of a known admin path called with another method. */
export function wrongMethod(method: string | undefined, expected: AdminMethod): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.INVALID_REQUEST,
    message: `method ${String(method).slice(0, 16)} not allowed here: expected ${expected}`,
    httpStatus: 405,
    code: "method_not_allowed",
  });
}
