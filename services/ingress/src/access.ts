// One access-log line per request, REST or gRPC, at info: request id, trace id, key alias (never the key), model,
// deployment, status and latency. The same wrappers count requests in flight and, while tracing is on, open the
// request's server span (continuing the client's `traceparent` when it sent one), inside which every internal call
// of the request runs.

import type { IncomingMessage, ServerResponse } from "node:http";
import type * as grpc from "@grpc/grpc-js";
import { type Logger, tracing } from "@switchyard/runtime";
import type { Principal } from "./auth.js";
import type { IngressMetrics } from "./request-metrics.js";

/** What the handlers learn about a request that the wrappers cannot see: who called, for which model. */
interface Notes {
  model?: string;
  keyAlias?: string;
  keyId?: string;
  /** Response headers passed to `writeHead` (which `getHeader` does not see). */
  requestId?: string;
  deployment?: string;
}

const notes = new WeakMap<object, Notes>();

/**
 * Records the caller and model of the request answered through `carrier` (the REST response or the gRPC call) for its
 * access-log line; does nothing for a request the wrappers do not observe.
 */
export function noteCaller(carrier: object, principal: Principal, model: string): void {
  const note = notes.get(carrier);
  if (!note) return;
  note.model = model;
  note.keyId = principal.keyId;
  if (principal.keyAlias) note.keyAlias = principal.keyAlias;
}

/** What the wrappers need. */
export interface AccessDeps {
  log: Logger;
  metrics: IngressMetrics;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id of a request: its span's while tracing is on, else the one the client sent, else none. */
function traceIdOf(span: tracing.Span | undefined, traceparent: unknown): string | undefined {
  if (span) return span.spanContext().traceId;
  return typeof traceparent === "string" ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

function header(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Records the request id and deployment of the response headers, however they are set. */
function captureHeaders(res: ServerResponse, note: Notes): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a, i) => i > 0 && typeof a === "object" && a !== null && !Array.isArray(a));
    if (headers) {
      const record = headers as Record<string, unknown>;
      note.requestId = header(record["x-request-id"]);
      note.deployment = header(record["x-switchyard-deployment"]);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}

/** Opens the server span of a request, a child of the client's trace context when it sent one. */
function serverSpan(
  name: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  attributes: tracing.Attributes,
): [tracing.Span, tracing.Context] | undefined {
  if (!tracing.tracingEnabled()) return undefined;
  const parent = tracing.extractTraceContext(headers) ?? tracing.context.active();
  const span = tracing.tracer().startSpan(name, { kind: tracing.SpanKind.SERVER, attributes }, parent);
  return [span, tracing.trace.setSpan(parent, span)];
}

/** The REST path for logs and span names: without the query, bounded in length. */
function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?", 1)[0] as string;
  return path.length > 200 ? path.slice(0, 200) : path;
}

/** Wraps the REST handler: access log, in-flight count and the request's server span. */
export function observeRest(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  deps: AccessDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const startedAt = performance.now();
    const note: Notes = {};
    notes.set(res, note);
    captureHeaders(res, note);
    deps.metrics.inFlight.inc();
    const path = pathOf(req.url);
    const traced = serverSpan(`${req.method} ${path}`, req.headers, {
      "http.request.method": req.method ?? "",
      "url.path": path,
    });
    res.once("close", () => {
      deps.metrics.inFlight.dec();
      const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
      const span = traced?.[0];
      if (span) {
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) tracing.failSpan(span, String(status), `HTTP ${status}`);
        span.end();
      }
      deps.log.info(
        {
          requestId: note.requestId ?? header(res.getHeader("x-request-id")),
          traceId: traceIdOf(span, req.headers.traceparent),
          protocol: "http",
          method: req.method,
          path,
          status,
          latencyMs: Math.round((performance.now() - startedAt) * 10) / 10,
          model: note.model,
          keyAlias: note.keyAlias,
          keyId: note.keyId,
          deployment: note.deployment ?? header(res.getHeader("x-switchyard-deployment")),
          // Not a spread: spreading into a literal costs microseconds per line.
          aborted: res.writableFinished ? undefined : true,
        },
        "request",
      );
    });
    if (traced) tracing.context.with(traced[1], () => handler(req, res));
    else handler(req, res);
  };
}

/** HTTP status of a gRPC status code, for the access log (as grpc-gateway maps them). */
const HTTP_OF_GRPC: Readonly<Record<number, number>> = {
  0: 200,
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

type Handler = (call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => void;

/** The gRPC side of one request: where its response metadata and status pass. */
interface GrpcRequest {
  readonly path: string;
  readonly call: grpc.ServerUnaryCall<unknown, unknown>;
  readonly deps: AccessDeps;
}

function observeGrpcCall(
  req: GrpcRequest,
  run: (done: (status: Partial<grpc.StatusObject> | null) => void) => void,
): void {
  const { call, deps, path } = req;
  const startedAt = performance.now();
  const note: Notes = {};
  notes.set(call, note);
  deps.metrics.inFlight.inc();
  const incoming = call.metadata.getMap() as Record<string, string | undefined>;
  const traced = serverSpan(path.slice(1), incoming, {
    "rpc.system": "grpc",
    "rpc.service": path.slice(1, path.lastIndexOf("/")),
    "rpc.method": path.slice(path.lastIndexOf("/") + 1),
  });
  let sent: grpc.Metadata | undefined;
  const sendMetadata = call.sendMetadata.bind(call);
  call.sendMetadata = (md: grpc.Metadata) => {
    sent = md;
    sendMetadata(md);
  };
  let finished = false;
  const done = (status: Partial<grpc.StatusObject> | null) => {
    if (finished) return;
    finished = true;
    deps.metrics.inFlight.dec();
    const code = status?.code ?? 0;
    const md = status?.metadata ?? sent;
    const span = traced?.[0];
    if (span) {
      span.setAttribute("rpc.grpc.status_code", code);
      if (code !== 0) tracing.failSpan(span, String(code), status?.details ?? "");
      span.end();
    }
    deps.log.info(
      {
        requestId: md?.get("x-request-id")[0] ?? sent?.get("x-request-id")[0],
        traceId: traceIdOf(span, incoming.traceparent),
        protocol: "grpc",
        method: path,
        status: HTTP_OF_GRPC[code] ?? 500,
        grpcStatus: code,
        latencyMs: Math.round((performance.now() - startedAt) * 10) / 10,
        model: note.model,
        keyAlias: note.keyAlias,
        keyId: note.keyId,
        deployment: md?.get("x-switchyard-deployment")[0] ?? sent?.get("x-switchyard-deployment")[0],
      },
      "request",
    );
  };
  if (traced) tracing.context.with(traced[1], () => run(done));
  else run(done);
}

/** Wraps one handler of a gRPC service implementation. */
function observeHandler(path: string, streaming: boolean, handler: Handler, deps: AccessDeps): Handler {
  if (!streaming) {
    return (call, callback) =>
      observeGrpcCall({ path, call, deps }, (done) =>
        handler(call, (err, value, trailer, flags) => {
          done(err ? (err as Partial<grpc.StatusObject>) : null);
          callback?.(err, value, trailer, flags);
        }),
      );
  }
  return (call) =>
    observeGrpcCall({ path, call, deps }, (done) => {
      const stream = call as unknown as grpc.ServerWritableStream<unknown, unknown>;
      stream.once("finish", () => done(null));
      stream.once("cancelled", () => done({ code: 1, details: "cancelled" }));
      // The API ends a failed stream by emitting the status as an "error" event.
      stream.once("error", (status: Partial<grpc.StatusObject>) => done(status));
      handler(call);
    });
}

/**
 * A view of `server` whose `addService` observes every method it registers (access log, in-flight count, server
 * span); everything else goes to the server itself.
 */
export function observeGrpc(server: grpc.Server, deps: AccessDeps): grpc.Server {
  const addService = (definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
    const wrapped: grpc.UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(impl)) {
      const method = definition[name];
      wrapped[name] = method
        ? (observeHandler(method.path, method.responseStream, handler as Handler, deps) as grpc.UntypedHandleCall)
        : handler;
    }
    server.addService(definition, wrapped);
  };
  return new Proxy(server, {
    get(target, prop, receiver) {
      if (prop === "addService") return addService;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
