// The ingest pipeline: fetch a batch from the durable consumer, insert it, mark the minutes it touched as pending a
// rollup, and acknowledge it. Nothing is acknowledged before it is stored, so a crash before that only causes
// redelivery, which the deduplicating tables absorb. The rollups and live spend follow off the acknowledgement path:
// a loop recomputes every minute marked since its last pass (coalescing all batches stored meanwhile), hands the new
// day totals to the live-spend writer, and marks the minutes done once their live spend is written. A crash anywhere
// after the acknowledgement leaves minutes marked pending, and the next start recomputes them (rollup.ts,
// schema.ts rollup_pending), so the rollups and live spend never miss an acknowledged event.
//
// Memory stays bounded: at most `maxInFlight` batches are held (fetched, not yet acknowledged), and while any insert
// or recompute fails the pipeline fetches nothing, retries with backoff, and keeps the held messages' ack deadlines
// pushed back; everything else waits in the stream.

import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@switchyard/runtime";
import { backoffMs, sleep } from "./backoff.js";
import { type Batch, openBatch } from "./batch.js";
import { TSV_COLUMNS } from "./event-tsv.js";
import type { LiveSpend } from "./live-spend.js";
import {
  type DailyTotal,
  emptyTouched,
  markMinutes,
  mergeTouched,
  pendingMinutes,
  recompute,
  type Touched,
} from "./rollup.js";
import type { Store } from "./store.js";
import { endInsertSpans, startInsertSpans } from "./trace.js";
import { createWakeup } from "./wakeup.js";

/** What the pipeline reads from and writes to. */
export interface IngestDeps {
  /** The durable consumer; asked for again after a fetch fails. */
  consumer(): Promise<Consumer>;
  store: Store;
  spend: LiveSpend;
  log: Logger;
}

/** Batch settings. */
export interface IngestOptions {
  /** Most messages per batch. */
  batchSize: number;
  /** Longest a fetch waits to fill a batch; NATS's client refuses less than 1000 ms. */
  batchWaitMs: number;
  /** Most batches held at once (fetched, being inserted); inserts run this many in parallel. */
  maxInFlight: number;
  /** The consumer's ack wait: held messages are marked in progress well within it. */
  ackWaitMs: number;
  /** A batch older than this (publish to acknowledgement) is logged as falling behind. */
  lagWarnMs: number;
  /**
   * Least time between the starts of two recomputes (a slow recompute also waits as long as it took before the next).
   * Under load, batches stored meanwhile share one recompute, so the rollup and live-spend work grows with the number
   * of distinct keys, teams and users, not with the event rate.
   */
  rollupIntervalMs: number;
}

/** Counters for logs, tests and the benchmark. */
export interface IngestStats {
  /** Distinct events stored and acknowledged (per batch). */
  events: number;
  /** Messages acknowledged. */
  messages: number;
  batches: number;
  /** Messages terminated because they were not usage events. */
  rejected: number;
  /** Messages fetched and not yet acknowledged. */
  heldMessages: number;
  /** Publish-to-acknowledgement time of the oldest message of the last batch (the event is stored by then). */
  lagMs: number;
  /** Publish-to-rollup time of the oldest event of the last recompute (its spend totals and live spend follow). */
  rollupLagMs: number;
  /** Messages JetStream still held for the consumer at the last batch. */
  pending: number;
  /** True while an insert or recompute is failing (and fetching is paused). */
  failing: boolean;
  /** Live-spend totals waiting for the background writer. */
  spendPending: number;
}

/** A running pipeline. */
export interface Ingest {
  stats(): IngestStats;
  /**
   * Stops fetching and lets held batches finish for up to `graceMs`; whatever is still held then is left
   * unacknowledged for JetStream to redeliver. Resolves when the pipeline is idle.
   */
  stop(graceMs: number): Promise<void>;
}

const LAG_LOG_INTERVAL_MS = 10_000;
const EMPTY = Buffer.alloc(0);
/** How long a fetch should take to fill, at the rate the last one saw. */
const TARGET_FILL_MS = 200;

/**
 * The size of the next fetch. A pull request only returns early when it is full, and NATS's client lets it wait no
 * less than a second, so a fixed large batch would hold every event for that second whenever traffic is light. The
 * size follows the observed rate instead, aiming to fill in `TARGET_FILL_MS`: large under load (and for a backlog,
 * which fills at once), small when traffic is light; one message when idle.
 */
export function nextFetchSize(received: number, tookMs: number, max: number): number {
  const rate = received / Math.max(tookMs, 1);
  return Math.min(max, Math.max(1, Math.ceil(rate * TARGET_FILL_MS)));
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts fetching and storing; runs until `stop`. */
export function startIngest(deps: IngestDeps, options: IngestOptions): Ingest {
  const { log } = deps;
  const held = new Set<Batch>();
  /** Minutes stored since the last recompute started, and the stream time of the oldest event among them. */
  let dirty = emptyTouched();
  let dirtySinceMs = Number.POSITIVE_INFINITY;
  const stopping = new AbortController();
  const abandon = new AbortController();
  const changed = createWakeup();
  const stats: IngestStats = {
    events: 0,
    messages: 0,
    batches: 0,
    rejected: 0,
    heldMessages: 0,
    lagMs: 0,
    rollupLagMs: 0,
    pending: 0,
    failing: false,
    spendPending: 0,
  };
  let failures = 0;
  let rolling = false;
  /** Done marks being written (after their live spend), awaited when stopping. */
  const marks = new Set<Promise<void>>();
  let lastRollupAt = 0;
  /** When the last recompute ended and how long its successful attempt took: the next waits as long (see rollUp). */
  let lastRollupEnd = 0;
  let lastRollupTook = 0;
  let behind = false;
  let lagLoggedAt = 0;
  let stopped: Promise<void> | undefined;

  // Held messages would be redelivered after the ack wait; mark them in progress well before.
  const extendEveryMs = Math.max(1_000, Math.floor(options.ackWaitMs / 3));
  const extender = setInterval(() => {
    const now = Date.now();
    for (const batch of held) {
      if (now - batch.heldSince < extendEveryMs) continue;
      for (const msg of batch.msgs) msg.working();
      batch.heldSince = now;
    }
  }, extendEveryMs);
  extender.unref();

  /** Runs `op` until it succeeds; while it fails, fetching pauses. Throws only once the pipeline abandons work. */
  async function persist(what: string, op: () => Promise<void>): Promise<void> {
    let failing = false;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await op();
          if (failing) log.info({ what, attempts: attempt + 1 }, "recovered");
          return;
        } catch (err) {
          if (abandon.signal.aborted) throw err;
          if (!failing) {
            failing = true;
            failures++;
          }
          const wait = backoffMs(attempt);
          if (attempt % 10 === 0) {
            log.warn(
              { what, err: reason(err), attempt, retryInMs: wait },
              "store failed: holding batches, not fetching",
            );
          }
          await sleep(wait, abandon.signal);
          if (abandon.signal.aborted) throw err;
        }
      }
    } finally {
      if (failing) {
        failures--;
        changed.notify();
      }
    }
  }

  function release(batch: Batch): void {
    held.delete(batch);
    stats.heldMessages -= batch.msgs.length;
    changed.notify();
  }

  function acknowledge(batch: Batch): void {
    for (const msg of batch.msgs) msg.ack();
    release(batch);
    stats.events += batch.events;
    stats.messages += batch.msgs.length;
    stats.batches++;
    stats.lagMs = Date.now() - batch.oldestMs;
    stats.pending = batch.pending;
    const now = Date.now();
    if (stats.lagMs > options.lagWarnMs && now - lagLoggedAt >= LAG_LOG_INTERVAL_MS) {
      lagLoggedAt = now;
      behind = true;
      log.warn({ lagMs: stats.lagMs, pending: stats.pending, held: stats.heldMessages }, "falling behind");
    } else if (behind && stats.lagMs <= options.lagWarnMs) {
      behind = false;
      log.info({ lagMs: stats.lagMs, pending: stats.pending }, "caught up");
    }
  }

  /**
   * Recomputes the rollups of every minute stored since the last pass, one pass at a time and at most one per
   * `rollupIntervalMs`, hands the day totals to the live-spend writer, and marks the minutes done once those are
   * written. The done mark carries the time the pass started reading, so a minute stored again meanwhile stays pending.
   */
  async function rollUp(): Promise<void> {
    if (rolling) return;
    rolling = true;
    try {
      while (dirty.minutes.size > 0 && !abandon.signal.aborted) {
        // Recomputes re-read the current minute, so they grow with the event rate; spacing them by their own
        // duration keeps them to half of ClickHouse's time at most, leaving the rest to the inserts they follow.
        const wait = Math.max(lastRollupAt + options.rollupIntervalMs, lastRollupEnd + lastRollupTook) - Date.now();
        if (wait > 0) await sleep(wait, abandon.signal);
        const touched = dirty;
        const oldestMs = dirtySinceMs;
        dirty = emptyTouched();
        dirtySinceMs = Number.POSITIVE_INFINITY;
        const startedAt = Date.now();
        lastRollupAt = startedAt;
        let totals: DailyTotal[] = [];
        try {
          await persist("recompute", async () => {
            const attemptAt = Date.now();
            totals = await recompute(deps.store, touched);
            // The successful attempt only: time spent failing says nothing about the next pass's cost.
            lastRollupTook = Date.now() - attemptAt;
          });
        } catch (err) {
          // Abandoned while stopping: the minutes stay marked pending for the next start.
          log.warn({ err: reason(err), minutes: touched.minutes.size }, "left minutes pending a rollup");
          return;
        }
        lastRollupEnd = Date.now();
        if (Number.isFinite(oldestMs)) stats.rollupLagMs = Date.now() - oldestMs;
        const marking = deps.spend.offer(totals).then(() =>
          markMinutes(deps.store, touched, startedAt, true).catch((err: unknown) =>
            // Harmless: the minutes stay pending, and the next start recomputes them once more.
            log.warn({ err: reason(err) }, "could not mark minutes rolled up"),
          ),
        );
        marks.add(marking);
        void marking.finally(() => marks.delete(marking));
      }
    } finally {
      rolling = false;
      changed.notify();
    }
  }

  /** Adds stored minutes to the next recompute and starts it. */
  function rollUpLater(touched: Touched, oldestMs: number): void {
    dirty = mergeTouched([dirty, touched]);
    dirtySinceMs = Math.min(dirtySinceMs, oldestMs);
    void rollUp();
  }

  async function store(batch: Batch): Promise<void> {
    const spans = startInsertSpans(batch.msgs, "usage_events");
    try {
      await persist("insert", async () => {
        await deps.store.insertTsv("usage_events", TSV_COLUMNS, batch.body);
        // Before the acknowledgement: from here on, a crash leaves the minutes for the next start to roll up.
        await markMinutes(deps.store, batch.touched, Date.now(), false);
      });
      batch.body = EMPTY;
      endInsertSpans(spans);
    } catch (err) {
      endInsertSpans(spans, err);
      release(batch);
      log.warn({ err: reason(err), messages: batch.msgs.length }, "left a batch unacknowledged for redelivery");
      return;
    }
    acknowledge(batch);
    rollUpLater(batch.touched, batch.oldestMs);
  }

  function admit(msgs: JsMsg[]): void {
    const { batch, rejected } = openBatch(msgs);
    for (const r of rejected) log.error(r, "terminated a message that is not a usage event");
    stats.rejected += rejected.length;
    if (batch.msgs.length === 0) return;
    held.add(batch);
    stats.heldMessages += batch.msgs.length;
    void store(batch);
  }

  async function fetchOnce(consumer: Consumer, size: number): Promise<JsMsg[]> {
    const msgs: JsMsg[] = [];
    try {
      const iterator = await consumer.fetch({ max_messages: size, expires: options.batchWaitMs });
      for await (const msg of iterator) msgs.push(msg);
    } catch (err) {
      if (msgs.length === 0) throw err;
      log.warn({ err: reason(err), messages: msgs.length }, "fetch ended early");
    }
    return msgs;
  }

  // Minutes a previous run stored but did not finish rolling up (a crash, or a stop past its grace) go first.
  void persist("pending minutes", async () => {
    const pending = await pendingMinutes(deps.store);
    if (pending.minutes.size === 0) return;
    log.info({ minutes: pending.minutes.size }, "rolling up minutes a previous run left pending");
    rollUpLater(pending, Date.now());
  }).catch(() => {
    // Abandoned while stopping: they are still pending for the next start.
  });

  const fetching = (async () => {
    let consumer: Consumer | undefined;
    let attempt = 0;
    let size = options.batchSize;
    while (!stopping.signal.aborted) {
      if (held.size >= options.maxInFlight || failures > 0) {
        await changed.wait(stopping.signal);
        continue;
      }
      try {
        consumer ??= await deps.consumer();
        const started = Date.now();
        const msgs = await fetchOnce(consumer, size);
        size = nextFetchSize(msgs.length, Date.now() - started, options.batchSize);
        attempt = 0;
        if (msgs.length > 0) admit(msgs);
      } catch (err) {
        consumer = undefined;
        const wait = backoffMs(attempt);
        if (attempt++ % 10 === 0) log.warn({ err: reason(err), retryInMs: wait }, "fetch failed");
        await sleep(wait, stopping.signal);
      }
    }
  })();

  return {
    stats: () => ({ ...stats, failing: failures > 0, spendPending: deps.spend.pending() }),
    stop(graceMs) {
      stopped ??= (async () => {
        stopping.abort();
        await fetching;
        const timer = setTimeout(() => abandon.abort(), graceMs);
        const busy = () => held.size > 0 || rolling || dirty.minutes.size > 0;
        while (busy() && !abandon.signal.aborted) await changed.wait(abandon.signal);
        // Done marks wait for their live spend to be written; what is left then stays pending for the next start.
        const abandoned = new Promise<void>((resolve) => abandon.signal.addEventListener("abort", () => resolve()));
        if (!abandon.signal.aborted) await Promise.race([Promise.all(marks), abandoned]);
        clearTimeout(timer);
        clearInterval(extender);
        if (held.size > 0) log.warn({ messages: stats.heldMessages }, "stopped with batches unacknowledged");
        if (dirty.minutes.size > 0 || marks.size > 0) log.warn("stopped with minutes pending a rollup");
      })();
      return stopped;
    },
  };
}
