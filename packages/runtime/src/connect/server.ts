import type { IncomingMessage, ServerResponse } from "node:http";
import { llm } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import { tracingEnabled } from "../tracing.js";
import { type ConnectCode, httpStatusOfCode } from "./codes.js";
import { type CallState, openCall, rejectCall } from "./server-call.js";
import { serveStream } from "./server-stream.js";
import type { Route, Routes } from "./service.js";
import { failCall, serveTraced } from "./trace.js";

/** Options of `createConnectHandler`. */
export interface ConnectHandlerOptions {
  /** Largest request body accepted (bytes); larger ones fail with `resource_exhausted`. */
  maxBodyBytes?: number;
  /** While true (draining), new calls get a retryable `unavailable` and the connection is closed. */
  draining?: () => boolean;
}

const UNARY_TYPE = "application/proto";
const STREAM_TYPE = "application/connect+proto";

function mediaType(req: IncomingMessage): string {
  const value = req.headers["content-type"] ?? "";
  const semi = value.indexOf(";");
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

/** Checks what every Connect call must satisfy; returns the rejection, or undefined when acceptable. */
function precheck(
  req: IncomingMessage,
  route: Route,
): [number, ConnectCode, string, Record<string, string>?] | undefined {
  if (req.method !== "POST") return [405, "unimplemented", `expected POST, got ${req.method}`, { allow: "POST" }];
  const expected = route.kind === "unary" ? UNARY_TYPE : STREAM_TYPE;
  if (mediaType(req) !== expected) {
    return [415, "unimplemented", `expected content-type ${expected}`, { "accept-post": expected }];
  }
  const version = req.headers["connect-protocol-version"];
  if (version !== undefined && version !== "1") {
    return [400, "invalid_argument", `expected connect-protocol-version 1, got ${String(version)}`];
  }
  const encoding = route.kind === "unary" ? req.headers["content-encoding"] : req.headers["connect-content-encoding"];
  if (encoding !== undefined && encoding !== "identity") {
    return [
      501,
      "unimplemented",
      `expected identity encoding, got ${String(encoding)}`,
      { "accept-encoding": "identity" },
    ];
  }
  return undefined;
}

/**
 * Creates a node:http request handler serving `routes` in the Connect protocol (binary protobuf, unary and
 * server-streaming). Unknown paths get `unimplemented` (404); hostile input never reaches an implementation.
 */
export function createConnectHandler(
  routes: Routes,
  options: ConnectHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const route = routes.get(path);
    if (!route) {
      req.resume();
      return rejectCall(res, "unimplemented", `no procedure ${url.slice(0, 200)}`, {}, 404);
    }
    const bad = precheck(req, route);
    if (bad) {
      req.resume();
      const [status, code, message, headers] = bad;
      return rejectCall(res, code, message, headers, status);
    }
    if (options.draining?.()) {
      req.resume();
      return rejectCall(res, "unavailable", "service is draining", { connection: "close" });
    }
    const call = openCall(req, res, maxBodyBytes);
    if (!call) return;
    // While tracing is off the call is served directly: no closure, no context.
    const served = tracingEnabled()
      ? serveTraced(req, path, call.ctx.signal, (span) => {
          call.span = span;
          return route.kind === "unary" ? serveUnary(route, call) : serveStream(route, call);
        })
      : route.kind === "unary"
        ? serveUnary(route, call)
        : serveStream(route, call);
    // Last resort: a response that cannot be written (say, an invalid header value) cuts the connection.
    served.catch(() => res.destroy());
  };
}

async function serveUnary(route: Route, call: CallState): Promise<void> {
  const { res, ctx } = call;
  try {
    const body = await call.race(call.body);
    let request: unknown;
    try {
      request = route.decode(body);
    } catch (err) {
      throw new GatewayError(
        { class: llm.ErrorClass.INVALID_REQUEST, message: "expected a valid protobuf request" },
        { cause: err },
      );
    }
    const value = route.encode(await call.race(route.unary?.(request, ctx)));
    if (call.finished()) return;
    const headers = trailerHeaders(ctx.responseHeaders, ctx.responseTrailers);
    headers["content-type"] = UNARY_TYPE;
    headers["content-length"] = String(value.byteLength);
    res.writeHead(200, headers).end(value);
  } catch (err) {
    const error = call.failure(err);
    if (call.span) failCall(call.span, error);
    if (call.finished()) return;
    const headers = trailerHeaders(ctx.responseHeaders, ctx.responseTrailers);
    headers["content-type"] = "application/json";
    const json = error.toConnectError();
    res.writeHead(httpStatusOfCode(json.code), headers).end(JSON.stringify(json));
  } finally {
    call.done();
  }
}

/** Unary trailers travel as headers prefixed `trailer-`. */
function trailerHeaders(headers: Record<string, string>, trailers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  for (const name in trailers) out[`trailer-${name}`] = trailers[name] as string;
  return out;
}
