// One fetched batch of usage messages, turned into the body of one usage_events insert. A message that is not a
// UsageEvent can never succeed, so it is terminated (JetStream will not redeliver it) rather than retried forever.

import type { JsMsg } from "@nats-io/jetstream";
import { EventTsvWriter } from "./event-tsv.js";
import { emptyTouched, type Touched, touch } from "./rollup.js";

/** Messages fetched together, stored together and acknowledged together. */
export interface Batch {
  /** The messages to acknowledge once the batch is stored and its minutes are marked pending a rollup. */
  readonly msgs: readonly JsMsg[];
  /**
   * One TabSeparated usage_events line (columns event-tsv.ts TSV_COLUMNS) per distinct event id; emptied once
   * inserted, so a held batch keeps only its messages.
   */
  body: Buffer;
  /** Distinct events in the batch. */
  readonly events: number;
  readonly touched: Touched;
  /** Stream time (unix ms) of the oldest message: how far behind the batch is. */
  readonly oldestMs: number;
  /** Messages JetStream still held for the consumer when the last one was delivered. */
  readonly pending: number;
  /** When the messages' ack deadline was last pushed back. */
  heldSince: number;
}

/** A message that could not be decoded. */
export interface Rejected {
  readonly seq: number;
  readonly subject: string;
  readonly reason: string;
}

/** The id an event without an event_id is stored under: its message id, else its stream sequence. */
function fallbackId(msg: JsMsg): string {
  return msg.headers?.get("Nats-Msg-Id") || `stream-seq-${msg.seq}`;
}

/** Room for a typical line, so most batches never grow their buffer. */
const BYTES_PER_EVENT = 512;

/**
 * Decodes fetched messages. Undecodable ones are terminated and reported; repeated event ids (a redelivery that met
 * its original in one batch) become one line, since the table would collapse them anyway.
 */
export function openBatch(msgs: readonly JsMsg[], now = Date.now()): { batch: Batch; rejected: Rejected[] } {
  const writer = new EventTsvWriter(msgs.length * BYTES_PER_EVENT);
  const ids = new Set<string>();
  const kept: JsMsg[] = [];
  const rejected: Rejected[] = [];
  const touched = emptyTouched();
  for (const msg of msgs) {
    let line: ReturnType<EventTsvWriter["append"]>;
    try {
      line = writer.append(msg.data, () => fallbackId(msg));
    } catch (err) {
      rejected.push({ seq: msg.seq, subject: msg.subject, reason: err instanceof Error ? err.message : String(err) });
      // No reason text: servers before 2.10.4 ignore a `+TERM` that carries one.
      msg.term();
      continue;
    }
    kept.push(msg);
    if (ids.has(line.id)) {
      writer.dropLast();
      continue;
    }
    ids.add(line.id);
    touch(touched, line);
  }
  // Delivery info is parsed from each message's reply subject: read it for the ends of the batch only (JetStream
  // delivers in stream order, redeliveries first).
  const ends = [kept[0], kept[kept.length - 1]].map((m) => m?.info);
  const oldestMs = Math.min(now, ...ends.map((i) => (i ? Math.floor(i.timestampNanos / 1e6) : now)));
  const pending = ends[1]?.pending ?? 0;
  return {
    batch: { msgs: kept, body: writer.body(), events: ids.size, touched, oldestMs, pending, heldSince: now },
    rejected,
  };
}
