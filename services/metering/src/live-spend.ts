// Publishes the day totals of keys, teams, users and end users to the live-spend KV bucket (format in
// @switchyard/usage spend.ts). Values are recomputed totals, never increments, so a redelivered event cannot inflate
// them; a compare-and-set keeps a slower replica from overwriting a newer total with an older one.
//
// Writes are off the acknowledgement path: the ingest pipeline offers each recompute's totals and goes on; a writer
// in the background stores them. Offers coalesce by key (the total of more events wins), so under load a key is
// written once per writer pass (passes start at least `intervalMs` apart) however many recomputes touched it, and
// memory is bounded by the number of distinct keys, teams, users and end users per day. What a crash loses before it
// is written is written by the next start, which recomputes the minutes still marked pending (ingest.ts) and offers
// their totals again.

import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { Logger } from "@switchyard/runtime";
import { decodeSpend, encodeSpend, SPEND_KINDS, type SpendKind, type SpendTotals, spendKey } from "@switchyard/usage";
import { backoffMs, sleep } from "./backoff.js";
import type { DailyTotal } from "./rollup.js";
import { u64 } from "./rows.js";
import { createWakeup } from "./wakeup.js";

/** Writes day totals to the live-spend bucket. */
export interface LiveSpend {
  /**
   * Queues the totals of the tracked kinds with a non-empty id for the background writer and returns at once; the
   * promise resolves once they (or newer totals of the same keys) are written. It never rejects: failed writes are
   * retried until the writer is closed, and then it never resolves.
   */
  offer(totals: readonly DailyTotal[]): Promise<void>;
  /** Totals queued and not yet written. */
  pending(): number;
  /** Waits until the queue is empty and no write is in flight, or `timeoutMs` passed; true when it emptied. */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops the background writer (queued totals are dropped: the next start reconciles them from ClickHouse). */
  close(): void;
}

/** How the background writer reports and paces failures. */
export interface LiveSpendOptions {
  readonly log?: Logger;
  /** Backoff between failed passes; default backoffMs. */
  readonly retryMs?: (attempt: number) => number;
  /**
   * Least time between the starts of two writer passes (default 0). Under load, totals offered meanwhile coalesce,
   * so a key is written at most once per interval however many recomputes touched it.
   */
  readonly intervalMs?: number;
}

/** Writes in flight at once: NATS pipelines them on one connection. */
const CONCURRENCY = 512;
/** Compare-and-set attempts before giving up (another writer won every race: retried with the batch). */
const CAS_ATTEMPTS = 5;
/** Keys whose last written revision is remembered; past this the memory starts over. */
const MAX_REMEMBERED = 200_000;

/** What this process last wrote under a key. */
interface Written {
  readonly revision: number;
  readonly events: bigint;
}

function isKind(dimension: string): dimension is SpendKind {
  return (SPEND_KINDS as readonly string[]).includes(dimension);
}

function totalsOf(row: DailyTotal): SpendTotals {
  return {
    costNanos: u64(row.cost_nanos),
    events: u64(row.events),
    promptTokens: u64(row.prompt_tokens),
    completionTokens: u64(row.completion_tokens),
  };
}

function isRevisionConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** A publisher writing to `kv`, an open handle on the live-spend bucket. */
export function createLiveSpend(kv: KV, options: LiveSpendOptions = {}): LiveSpend {
  const written = new Map<string, Written>();
  /** Totals offered and not yet taken by the writer, by KV key. */
  const queue = new Map<string, SpendTotals>();
  const idle = createWakeup();
  const closing = new AbortController();
  let writing = false;
  let lastPassAt = Number.NEGATIVE_INFINITY;
  /** Offers so far, and how many of them are written (every offer up to a pass's snapshot is, once it succeeds). */
  let offered = 0;
  let writtenUpTo = 0;
  let waiters: Array<{ readonly offer: number; readonly resolve: () => void }> = [];

  /**
   * Stores `totals` unless the bucket already holds totals of at least as many events: events only accumulate, so
   * the larger count is the more complete recompute (the rule the rollup tables follow too). The revision this
   * process wrote last is tried first, which saves a read on the common path; a conflict means another writer
   * moved the key on, so it is read and decided again.
   */
  async function putNewer(key: string, totals: SpendTotals): Promise<void> {
    const value = encodeSpend(totals);
    let known = written.get(key);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      if (known && known.events >= totals.events) return;
      try {
        const revision = known ? await kv.update(key, value, known.revision) : await kv.create(key, value);
        if (written.size >= MAX_REMEMBERED) written.clear();
        written.set(key, { revision, events: totals.events });
        return;
      } catch (err) {
        if (!isRevisionConflict(err)) throw err;
      }
      // Absent, deleted or purged keys are written with create(), which handles all three.
      const current = await kv.get(key);
      known =
        current?.operation === "PUT"
          ? { revision: current.revision, events: decodeSpend(current.string()).events }
          : undefined;
    }
    throw new Error(`expected to store live spend for ${key} within ${CAS_ATTEMPTS} attempts`);
  }

  async function write(writes: readonly (readonly [string, SpendTotals])[]): Promise<void> {
    for (let i = 0; i < writes.length; i += CONCURRENCY) {
      await Promise.all(writes.slice(i, i + CONCURRENCY).map(([key, t]) => putNewer(key, t)));
    }
  }

  /** Keeps the totals of more events when a key is offered again. */
  function enqueue(key: string, totals: SpendTotals): void {
    const queued = queue.get(key);
    if (!queued || queued.events < totals.events) queue.set(key, totals);
  }

  /** Writes what is queued, pass after pass, until the queue is empty; a failed pass is queued again after a wait. */
  async function drain(): Promise<void> {
    if (writing) return;
    writing = true;
    let failures = 0;
    try {
      while (queue.size > 0 && !closing.signal.aborted) {
        const wait = lastPassAt + (options.intervalMs ?? 0) - Date.now();
        if (wait > 0) await sleep(wait, closing.signal);
        if (closing.signal.aborted) break;
        lastPassAt = Date.now();
        const pass = [...queue];
        const upTo = offered;
        queue.clear();
        try {
          await write(pass);
          failures = 0;
          settle(upTo);
        } catch (err) {
          for (const [key, totals] of pass) enqueue(key, totals);
          const wait = (options.retryMs ?? backoffMs)(failures);
          if (failures++ % 10 === 0) {
            options.log?.warn(
              { err: err instanceof Error ? err.message : String(err), queued: queue.size, retryInMs: wait },
              "live spend write failed: retrying",
            );
          }
          await sleep(wait, closing.signal);
        }
      }
      // An empty queue means every offer so far is written, those with nothing to write included.
      if (queue.size === 0) settle(offered);
    } finally {
      writing = false;
      idle.notify();
    }
  }

  /** Resolves the offers up to `upTo`, now written. */
  function settle(upTo: number): void {
    writtenUpTo = Math.max(writtenUpTo, upTo);
    const done = waiters.filter((w) => w.offer <= writtenUpTo);
    waiters = waiters.filter((w) => w.offer > writtenUpTo);
    for (const w of done) w.resolve();
  }

  const writesOf = (totals: readonly DailyTotal[]) =>
    totals
      .filter((row) => isKind(row.dimension) && row.value !== "")
      .map((row) => [spendKey(row.dimension as SpendKind, row.value, row.day), totalsOf(row)] as const);

  return {
    offer(totals) {
      const offer = ++offered;
      for (const [key, t] of writesOf(totals)) enqueue(key, t);
      const settled = new Promise<void>((resolve) => waiters.push({ offer, resolve }));
      // With nothing queued and no pass running, every offer up to this one is written (this one had nothing to).
      if (queue.size > 0) void drain();
      else if (!writing) settle(offer);
      return settled;
    },
    pending: () => queue.size,
    async flush(timeoutMs) {
      const deadline = AbortSignal.timeout(timeoutMs);
      while ((writing || queue.size > 0) && !deadline.aborted && !closing.signal.aborted) {
        await idle.wait(AbortSignal.any([deadline, closing.signal]));
      }
      return !writing && queue.size === 0;
    },
    close() {
      closing.abort();
      idle.notify();
    },
  };
}
