// The policy records in NATS JetStream KV: one bucket per kind (records.ts), file storage, one value per key. Every
// replica follows all buckets into its in-memory state (watch.ts); writes are compare-and-set on the KV revision and
// retried on conflict with the current value re-read, so two replicas never lose each other's updates.

import { setTimeout as sleep } from "node:timers/promises";
import { JetStreamApiCodes, JetStreamApiError, StorageType } from "@nats-io/jetstream";
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { llm } from "@switchyard/proto";
import { GatewayError, type Logger } from "@switchyard/runtime";
import { idOfKvKey, kvKeyOf } from "./kv-keys.js";
import { BUCKETS, decodeRecord, encodeRecord, KINDS, type Kind, type Records } from "./records.js";
import { createState, type PolicyState } from "./state.js";
import { type BucketWatch, watchBucket } from "./watch.js";

/**
 * Computes the next value of a record from its current one: null deletes it, the current value itself (or undefined
 * when there is none) leaves it as it is, and a throw aborts the write.
 */
export type Mutation<T> = (current: T | undefined) => T | null | undefined;

/** The replicated policy records. */
export interface PolicyStore {
  /** This replica's copy, kept current by the KV watch and by this replica's own writes. */
  readonly state: PolicyState;
  /**
   * Writes the result of `mutation` with compare-and-set, re-reading and re-running it after a conflict. Resolves
   * with the record as it now is (null when deleted or absent); throws the mutation's error, or UNAVAILABLE when
   * NATS is not there.
   */
  mutate<K extends Kind>(kind: K, id: string, mutation: Mutation<Records[K]>): Promise<Records[K] | null>;
  /** Stops following the buckets; the connection belongs to the caller. */
  close(): void;
}

/** Options of `openStore`. */
export interface StoreOptions {
  log: Logger;
  /** Bucket replicas in a NATS cluster (1, 3 or 5). */
  replicas?: number;
  /** Longest wait for one KV operation. */
  timeoutMs?: number;
  /** Compare-and-set attempts before a write gives up. */
  casAttempts?: number;
}

const DEFAULT_CAS_ATTEMPTS = 32;
/** Longest pause between two compare-and-set attempts; pauses grow exponentially up to it, randomized. */
const MAX_CAS_PAUSE_MS = 100;

/** The error of an admin write while NATS cannot be reached. */
export function storeUnavailable(cause?: unknown): GatewayError {
  return new GatewayError(
    { class: llm.ErrorClass.UNAVAILABLE, message: "key management store unavailable (NATS unreachable)" },
    { cause },
  );
}

function isRevisionConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/**
 * Opens (creating if needed) the policy buckets on `nc`, starts following them and resolves once the initial values
 * of every bucket are in memory.
 */
export async function openStore(nc: NatsConnection, options: StoreOptions): Promise<PolicyStore> {
  const { log } = options;
  const state = createState();
  const kvm = new Kvm(nc);
  const buckets = {} as Record<Kind, KV>;
  for (const kind of KINDS) {
    const open = () =>
      kvm.create(BUCKETS[kind], {
        history: 1,
        storage: StorageType.File,
        replicas: options.replicas ?? 1,
        timeout: options.timeoutMs ?? 5_000,
      });
    // Replicas starting together race to create a bucket; the loser's create fails ("subjects overlap with an
    // existing stream") and opening it again finds the winner's.
    buckets[kind] = await open().catch(open);
  }
  let connected = !nc.isClosed();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      else if (status.type === "reconnect") connected = true;
    }
  })();

  /** Applies an entry read from the bucket (watch or re-read); returns the record it holds, if any. */
  const applyEntry = <K extends Kind>(kind: K, entry: KvWatchEntry | Awaited<ReturnType<KV["get"]>>) => {
    if (!entry) return undefined;
    let id: string;
    let value: Records[K] | undefined;
    try {
      id = idOfKvKey(entry.key);
      value = entry.operation === "PUT" ? decodeRecord(kind, entry.value) : undefined;
    } catch (err) {
      log.error({ bucket: BUCKETS[kind], revision: entry.revision, err: (err as Error).message }, "unreadable record");
      return undefined;
    }
    state.apply(kind, id, entry.revision, value);
    return value;
  };

  const watches: BucketWatch[] = KINDS.map((kind) =>
    watchBucket(buckets[kind], BUCKETS[kind], (entry) => applyEntry(kind, entry), log),
  );
  await Promise.all(watches.map((w) => w.loaded));

  const attempts = options.casAttempts ?? DEFAULT_CAS_ATTEMPTS;
  return {
    state,
    async mutate(kind, id, mutation) {
      if (!connected || nc.isClosed()) throw storeUnavailable();
      const kv = buckets[kind];
      const key = kvKeyOf(id);
      let current = state.get(kind, id);
      let revision = state.revision(kind, id);
      for (let attempt = 0; attempt < attempts; attempt++) {
        const next = mutation(current);
        if (next === current || next === undefined) return current ?? null;
        try {
          if (next === null) {
            if (current === undefined) return null;
            await kv.delete(key, { previousSeq: revision });
            // The delete does not report the marker's revision; reading it back orders it for the state (and if
            // that read fails, the watch delivers the marker).
            applyEntry(kind, await kv.get(key).catch(() => null));
            return null;
          }
          const bytes = encodeRecord(kind, next);
          const written = revision > 0 ? await kv.update(key, bytes, revision) : await kv.create(key, bytes);
          state.apply(kind, id, written, next);
          return next;
        } catch (err) {
          if (!isRevisionConflict(err)) throw storeUnavailable(err);
        }
        // Another writer got there first: read its value and decide again, after a random pause that grows with
        // each conflict, so many writers of one record all get through.
        const entry = await kv.get(key).catch((err: unknown) => {
          throw storeUnavailable(err);
        });
        current = applyEntry(kind, entry);
        revision = entry?.revision ?? 0;
        await sleep(Math.random() * Math.min(MAX_CAS_PAUSE_MS, 2 ** attempt));
      }
      throw new GatewayError({
        class: llm.ErrorClass.UNAVAILABLE,
        message: `concurrent changes to ${kind.slice(0, -1)} ${JSON.stringify(id)}; try again`,
      });
    },
    close() {
      for (const watch of watches) watch.stop();
    },
  };
}
