// Publishes the day totals of keys, teams, users and end users to the live-spend KV bucket (format in
// @switchyard/usage spend.ts). Values are recomputed totals, never increments, so a redelivered event cannot inflate
// them; a compare-and-set keeps a slower replica from overwriting a newer total with an older one.

import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { decodeSpend, encodeSpend, SPEND_KINDS, type SpendKind, type SpendTotals, spendKey } from "@switchyard/usage";
import type { DailyTotal } from "./rollup.js";
import { u64 } from "./rows.js";

/** Writes day totals to the live-spend bucket. */
export interface LiveSpend {
  /** Stores the totals of the tracked kinds with a non-empty id; resolves once every write is acknowledged. */
  publish(totals: readonly DailyTotal[]): Promise<void>;
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
export function createLiveSpend(kv: KV): LiveSpend {
  const written = new Map<string, Written>();

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

  return {
    async publish(totals) {
      const writes = totals
        .filter((row) => isKind(row.dimension) && row.value !== "")
        .map((row) => [spendKey(row.dimension as SpendKind, row.value, row.day), totalsOf(row)] as const);
      for (let i = 0; i < writes.length; i += CONCURRENCY) {
        await Promise.all(writes.slice(i, i + CONCURRENCY).map(([key, t]) => putNewer(key, t)));
      }
    },
  };
}
