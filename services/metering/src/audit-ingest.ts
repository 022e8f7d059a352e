// The audit ingest: a second durable consumer, on the audit stream, that inserts admin audit events into audit_log
// and acknowledges them only after the insert. Audit traffic is a trickle (one event per changed record of an admin
// call), so one batch is held at a time: fetch, insert (retried with backoff while ClickHouse fails, the messages
// kept in progress meanwhile), acknowledge. A crash anywhere only causes redelivery, which FINAL reads collapse.

import { fromBinary } from "@bufbuild/protobuf";
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { policy } from "@switchyard/proto";
import type { Logger } from "@switchyard/runtime";
import { AUDIT_CONSUMER, AUDIT_STREAM, AUDIT_SUBJECT } from "@switchyard/usage";
import { type AuditRow, toAuditRow } from "./audit-log.js";
import { backoffMs, sleep } from "./backoff.js";
import { ensureDurableConsumer } from "./consumer.js";
import type { Store } from "./store.js";

/** Creates the audit consumer, or updates the settings of an existing one. Idempotent. */
export function ensureAuditConsumer(jsm: JetStreamManager, ackWaitMs: number): Promise<void> {
  return ensureDurableConsumer(jsm, {
    stream: AUDIT_STREAM,
    name: AUDIT_CONSUMER,
    subject: AUDIT_SUBJECT,
    ackWaitMs,
    maxAckPending: 10_000,
  });
}

/** The handle to fetch audit events from; fails when NATS is down. */
export function auditConsumer(js: JetStreamClient): Promise<Consumer> {
  return js.consumers.get(AUDIT_STREAM, AUDIT_CONSUMER);
}

/** What the audit ingest reads from and writes to. */
export interface AuditIngestDeps {
  consumer(): Promise<Consumer>;
  store: Store;
  log: Logger;
}

/** Settings of the audit ingest. */
export interface AuditIngestOptions {
  /** Most messages per fetch and insert. */
  batchSize: number;
  /** Longest a fetch waits; NATS's client refuses less than 1000 ms. */
  batchWaitMs: number;
  /** The consumer's ack wait: a held batch is marked in progress well within it. */
  ackWaitMs: number;
}

/** Counters for logs and tests. */
export interface AuditIngestStats {
  /** Events stored and acknowledged. */
  events: number;
  /** Messages terminated because they were not audit events. */
  rejected: number;
  /** True while an insert is failing. */
  failing: boolean;
}

/** A running audit ingest. */
export interface AuditIngest {
  stats(): AuditIngestStats;
  /** Stops fetching and lets the held batch finish for up to `graceMs`; resolves when idle. */
  stop(graceMs: number): Promise<void>;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Decodes a batch: rows by event id, the messages to acknowledge after the insert; the rest is terminated. */
export function decodeAudit(msgs: readonly JsMsg[], log: Logger): { rows: AuditRow[]; kept: JsMsg[] } {
  const rows = new Map<string, AuditRow>();
  const kept: JsMsg[] = [];
  for (const msg of msgs) {
    try {
      const event = fromBinary(policy.AuditEventSchema, msg.data);
      const row = toAuditRow(event, msg.headers?.get("Nats-Msg-Id") || `stream-seq-${msg.seq}`);
      rows.set(row.event_id, row);
      kept.push(msg);
    } catch (err) {
      log.error(
        { seq: msg.seq, subject: msg.subject, reason: reason(err) },
        "terminated a message that is not an audit event",
      );
      msg.term();
    }
  }
  return { rows: [...rows.values()], kept };
}

/** Starts fetching and storing audit events; runs until `stop`. */
export function startAuditIngest(deps: AuditIngestDeps, options: AuditIngestOptions): AuditIngest {
  const { log, store } = deps;
  const stopping = new AbortController();
  const abandon = new AbortController();
  const stats: AuditIngestStats = { events: 0, rejected: 0, failing: false };
  const extendEveryMs = Math.max(1_000, Math.floor(options.ackWaitMs / 3));

  /** Inserts until it works, keeping the messages in progress; false when the service gave up on the batch. */
  async function insert(rows: readonly AuditRow[], msgs: readonly JsMsg[]): Promise<boolean> {
    let extendedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await store.insert("audit_log", rows);
        if (stats.failing) log.info({ attempts: attempt + 1 }, "audit insert recovered");
        stats.failing = false;
        return true;
      } catch (err) {
        if (abandon.signal.aborted) return false;
        stats.failing = true;
        const wait = backoffMs(attempt);
        if (attempt % 10 === 0)
          log.warn({ err: reason(err), attempt, retryInMs: wait }, "audit insert failed; holding");
        await sleep(wait, abandon.signal);
        if (Date.now() - extendedAt >= extendEveryMs) {
          for (const msg of msgs) msg.working();
          extendedAt = Date.now();
        }
      }
    }
  }

  const running = (async () => {
    let consumer: Consumer | undefined;
    let attempt = 0;
    while (!stopping.signal.aborted) {
      const msgs: JsMsg[] = [];
      try {
        consumer ??= await deps.consumer();
        const iterator = await consumer.fetch({ max_messages: options.batchSize, expires: options.batchWaitMs });
        for await (const msg of iterator) msgs.push(msg);
        attempt = 0;
      } catch (err) {
        if (msgs.length === 0) {
          consumer = undefined;
          const wait = backoffMs(attempt);
          if (attempt++ % 10 === 0) log.warn({ err: reason(err), retryInMs: wait }, "audit fetch failed");
          await sleep(wait, stopping.signal);
          continue;
        }
      }
      if (msgs.length === 0) continue;
      const { rows, kept } = decodeAudit(msgs, log);
      stats.rejected += msgs.length - kept.length;
      if (kept.length === 0) continue;
      if (!(await insert(rows, kept))) {
        log.warn({ messages: kept.length }, "left audit events unacknowledged for redelivery");
        return;
      }
      for (const msg of kept) msg.ack();
      stats.events += rows.length;
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ ...stats }),
    stop(graceMs) {
      stopped ??= (async () => {
        stopping.abort();
        const timer = setTimeout(() => abandon.abort(), graceMs);
        await running;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
