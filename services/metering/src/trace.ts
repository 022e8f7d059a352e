// The metering end of a request's trace: a usage message carries the trace context of the request that produced it
// in its NATS headers (packages/usage), and its insert into ClickHouse becomes a span of that trace. Messages without
// one (published untraced, or read back from a worker's spool) are stored untraced.

import type { JsMsg } from "@nats-io/jetstream";
import { tracing } from "@switchyard/runtime";

const NONE: readonly tracing.Span[] = [];

/** Opens one insert span per traced message of a batch; nothing while tracing is off. */
export function startInsertSpans(msgs: readonly JsMsg[], table: string): readonly tracing.Span[] {
  if (!tracing.tracingEnabled()) return NONE;
  const spans: tracing.Span[] = [];
  for (const msg of msgs) {
    const traceparent = msg.headers?.get("traceparent");
    if (!traceparent) continue;
    const tracestate = msg.headers?.get("tracestate");
    const parent = tracing.extractTraceContext(tracestate ? { traceparent, tracestate } : { traceparent });
    if (!parent) continue;
    const span = tracing.tracer().startSpan(
      `insert ${table}`,
      {
        kind: tracing.SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "nats",
          "messaging.operation.type": "process",
          "messaging.destination.name": msg.subject,
          "messaging.message.id": msg.headers?.get("Nats-Msg-Id") ?? "",
          "messaging.batch.message_count": msgs.length,
          "db.system.name": "clickhouse",
          "db.operation.name": "INSERT",
          "db.collection.name": table,
        },
      },
      parent,
    );
    spans.push(span);
  }
  return spans;
}

/** Ends the spans of a batch once its insert succeeded or was given up. */
export function endInsertSpans(spans: readonly tracing.Span[], err?: unknown): void {
  for (const span of spans) {
    if (err !== undefined) tracing.failSpan(span, "insert_failed", err instanceof Error ? err.message : String(err));
    span.end();
  }
}
