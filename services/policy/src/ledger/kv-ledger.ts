// The shared ledger: one NATS KV value per limited scope, changed only by compare-and-set on its revision, so every
// policy replica (and every ingress behind them) sees one count. Within a replica, the operations waiting for one
// entry are combined: one read-modify-write applies all of them in arrival order, so a burst on one key costs one KV
// round trip per batch instead of one conflict per request. After a conflict (another replica wrote first) the
// batch re-runs on the newer value; operations are pure functions of the entry, so re-running them is safe.

import { setTimeout as sleep } from "node:timers/promises";
import { JetStreamApiCodes, JetStreamApiError, StorageType } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { emptyEntry, type LedgerEntry, parseEntry, serializeEntry } from "./entry.js";

/** The KV bucket of the ledger. */
export const LEDGER_BUCKET = "switchyard-policy-ledger";

/**
 * Changes `entry` in place and returns a result; must depend only on the entry and values captured before the
 * first run, because it runs again after a conflict.
 */
export type LedgerOp<T> = (entry: LedgerEntry) => T;

/** The ledger as the admission logic uses it. */
export interface Ledger {
  /** Runs `op` on the entry named `key` and stores the result with compare-and-set; resolves with `op`'s result. */
  apply<T>(key: string, op: LedgerOp<T>): Promise<T>;
}

/** The KV operations the ledger needs; a `@nats-io/kv` bucket has them. */
export type LedgerKv = Pick<KV, "get" | "create" | "update">;

interface Waiting {
  op: LedgerOp<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface Slot {
  queue: Waiting[];
  running: boolean;
  /** The value and revision this replica last read or wrote; undefined when unknown. */
  text?: string;
  revision?: number;
}

/** Conflicts a batch survives before its operations fail as UNAVAILABLE. */
const MAX_ATTEMPTS = 64;
const MAX_PAUSE_MS = 20;
/** Entries whose slot this replica forgets after being idle (their values are re-read on next use). */
const MAX_SLOTS = 100_000;

function ledgerUnavailable(cause?: unknown): GatewayError {
  return new GatewayError(
    { class: llm.ErrorClass.UNAVAILABLE, message: "limits ledger unavailable (NATS unreachable)" },
    { cause },
  );
}

function isConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** Creates the ledger over a KV bucket. */
export function createLedger(kv: LedgerKv): Ledger {
  const slots = new Map<string, Slot>();

  const read = async (slot: Slot, key: string) => {
    const entry = await kv.get(key).catch((err: unknown) => {
      throw ledgerUnavailable(err);
    });
    if (entry && entry.operation === "PUT") {
      slot.text = entry.string();
      slot.revision = entry.revision;
    } else {
      slot.text = undefined;
      slot.revision = entry?.revision ?? 0;
    }
  };

  const run = async (key: string, slot: Slot) => {
    slot.running = true;
    while (slot.queue.length > 0) {
      const batch = slot.queue.splice(0);
      try {
        for (let attempt = 0; ; attempt++) {
          // A cached value may be stale: a write proves it was not (compare-and-set), but a batch that changes
          // nothing proves nothing, so that outcome only counts on a value read just now.
          const fresh = slot.revision === undefined;
          if (fresh) await read(slot, key);
          let entry: LedgerEntry;
          try {
            entry = slot.text === undefined ? emptyEntry() : parseEntry(slot.text);
          } catch {
            entry = emptyEntry();
          }
          const results = batch.map((w) => w.op(entry));
          const text = serializeEntry(entry);
          if (text === slot.text) {
            if (!fresh) {
              slot.revision = undefined;
              continue;
            }
            for (const [i, w] of batch.entries()) w.resolve(results[i]);
            break;
          }
          try {
            const revision = slot.revision ?? 0;
            slot.revision = revision > 0 ? await kv.update(key, text, revision) : await kv.create(key, text);
            slot.text = text;
            for (const [i, w] of batch.entries()) w.resolve(results[i]);
            break;
          } catch (err) {
            slot.revision = undefined;
            slot.text = undefined;
            if (!isConflict(err)) throw ledgerUnavailable(err);
            if (attempt + 1 >= MAX_ATTEMPTS) {
              throw new GatewayError({
                class: llm.ErrorClass.UNAVAILABLE,
                message: "limits ledger too contended; try again",
              });
            }
            await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
          }
        }
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    slot.running = false;
  };

  return {
    apply<T>(key: string, op: LedgerOp<T>): Promise<T> {
      let slot = slots.get(key);
      if (!slot) {
        if (slots.size >= MAX_SLOTS) {
          for (const [k, s] of slots) {
            if (!s.running && s.queue.length === 0) slots.delete(k);
            if (slots.size < MAX_SLOTS / 2) break;
          }
        }
        slot = { queue: [], running: false };
        slots.set(key, slot);
      }
      const target = slot;
      return new Promise<T>((resolve, reject) => {
        target.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
        // Start on the next microtask, not now: operations queued in the same tick (the settles an Admit carries and
        // the admission itself) then share one batch, one compare-and-set.
        if (!target.running) {
          target.running = true;
          queueMicrotask(() => void run(key, target));
        }
      });
    },
  };
}

/** Opens (creating if needed) the ledger bucket. Entries are small and short-lived in meaning; one value each. */
export async function openLedgerBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  const kvm = new Kvm(nc);
  const open = () => kvm.create(LEDGER_BUCKET, { history: 1, storage: StorageType.File, replicas, timeout: 5_000 });
  return open().catch(open);
}
