// Spans of the internal Connect hops (RPC semantic conventions, rpc.system "connect_rpc"). The client span is a child
// of the span tied to the call's abort signal (else of the active span) and its context travels as
// `traceparent`/`tracestate`; the server continues it and ties it to its handler's signal. Both cost one boolean
// check while tracing is off.

import type { IncomingMessage } from "node:http";
import type { DescMethod } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import {
  bindSignal,
  context,
  extractTraceContext,
  failSpan,
  injectTraceContext,
  parentContext,
  type Span,
  SpanKind,
  startChildSpan,
  trace,
  tracer,
  tracingEnabled,
} from "../tracing.js";

/** The `error.type` of a failure: its error class in lower case (`rate_limited`, `unavailable`, `timeout` ...). */
export function errorType(error: GatewayError): string {
  return (llm.ErrorClass[error.errorClass] ?? "internal").toLowerCase();
}

function hostPort(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  return colon < 0 ? [address, 0] : [address.slice(0, colon).replace(/^\[|\]$/g, ""), Number(address.slice(colon + 1))];
}

/**
 * Starts the client span of a call to `address` and writes its trace context into `headers`; undefined (and no
 * headers) when tracing is off or the caller is not inside a traced request.
 */
export function startClientCall(
  method: DescMethod,
  address: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Span | undefined {
  if (!tracingEnabled()) return undefined;
  const [host, port] = hostPort(address);
  const attributes = {
    "rpc.system": "connect_rpc",
    "rpc.service": method.parent.typeName,
    "rpc.method": method.name,
    "server.address": host,
    "server.port": port,
  };
  const span = startChildSpan(`${method.parent.typeName}/${method.name}`, SpanKind.CLIENT, attributes, signal);
  if (span) injectTraceContext(headers, trace.setSpan(parentContext(signal), span));
  return span;
}

/** Ends a call's span, marking it failed when `err` is set. */
export function endCall(span: Span | undefined, err?: unknown): void {
  if (!span) return;
  if (err !== undefined) failCall(span, GatewayError.from(err));
  span.end();
}

/** Marks a call's span failed with the error's Connect code and class. */
export function failCall(span: Span, error: GatewayError): void {
  span.setAttribute("rpc.connect_rpc.error_code", error.toConnectError().code);
  failSpan(span, errorType(error), error.message);
}

/**
 * Runs `serve` inside the server span of a call that carries a `traceparent`; a call without one runs untraced. The
 * span is tied to the call's `signal` (which the handler passes to its own calls) and ends when `serve` settles.
 */
export function serveTraced(
  req: IncomingMessage,
  path: string,
  signal: AbortSignal,
  serve: (span: Span | undefined) => Promise<void>,
): Promise<void> {
  const parent = tracingEnabled() ? extractTraceContext(req.headers) : undefined;
  if (!parent) return serve(undefined);
  const slash = path.lastIndexOf("/");
  const service = path.slice(1, slash);
  const span = tracer().startSpan(
    path.slice(1),
    {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "connect_rpc", "rpc.service": service, "rpc.method": path.slice(slash + 1) },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  bindSignal(signal, active);
  return context.with(active, () => serve(span)).finally(() => span.end());
}
