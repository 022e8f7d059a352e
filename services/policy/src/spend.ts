// The spend shown by the admin reads (`spend` in /key/info, /team/info, ...). A record with a budget shows what the
// ledger settled in its current budget window — the amount its budget is checked against — and its current window's
// end as `budget_reset_at`. A record without one shows metering's live spend since it was created (at most the last
// 366 days), read from the `switchyard-spend` bucket the metering service keeps.

import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { policy } from "@switchyard/proto";
import { MAX_SPEND_DAYS, readSpend, SPEND_BUCKET, type SpendKind, type SpendSource, utcDay } from "@switchyard/usage";
import { budgetWindowEnd } from "./ledger/admission.js";
import { parseEntry } from "./ledger/entry.js";
import { ledgerKey, type ScopeKind } from "./ledger/keys.js";

/** Fills `spend_nanos` (and the current `budget_reset_at_ms`) of the records in admin answers. */
export interface SpendReader {
  /** Fills in place every Key, Team, User and Customer found in `message`'s top-level fields; never throws. */
  decorate(message: object): Promise<void>;
}

type Spent = policy.Key | policy.Team | policy.User | policy.Customer;

const DAY_MS = 86_400_000;

function kindOf(record: Spent): { kind: ScopeKind & SpendKind; id: string } | undefined {
  switch (record.$typeName) {
    case "switchyard.policy.v1.Key":
      return { kind: "key", id: record.keyId };
    case "switchyard.policy.v1.Team":
      return { kind: "team", id: record.teamId };
    case "switchyard.policy.v1.User":
      return { kind: "user", id: record.userId };
    case "switchyard.policy.v1.Customer":
      return { kind: "end_user", id: record.userId };
  }
  return undefined;
}

function isSpent(value: unknown): value is Spent {
  const name = (value as { $typeName?: unknown } | null)?.$typeName;
  return (
    name === "switchyard.policy.v1.Key" ||
    name === "switchyard.policy.v1.Team" ||
    name === "switchyard.policy.v1.User" ||
    name === "switchyard.policy.v1.Customer"
  );
}

/** Creates the reader over the ledger bucket and, when metering has created it, the live-spend bucket. */
export function createSpendReader(ledger: Pick<KV, "get">, live: SpendSource | undefined, now = Date.now): SpendReader {
  const fill = async (record: Spent) => {
    const scope = kindOf(record);
    if (!scope || scope.id === "") return;
    const nowMs = now();
    const limits = record.limits;
    if (limits?.maxBudgetNanos !== undefined) {
      const end = budgetWindowEnd(record.budgetResetAtMs, limits.budgetDuration, nowMs);
      if (end > 0) record.budgetResetAtMs = BigInt(end);
      const entry = await ledger.get(ledgerKey(scope));
      const parsed = entry && entry.operation === "PUT" ? parseEntry(entry.string()) : undefined;
      record.spendNanos = parsed?.b && parsed.b.e === end ? BigInt(parsed.b.s) : 0n;
      return;
    }
    if (!live) return;
    record.spendNanos = await recordedSpend(live, now)(scope.kind, scope.id, Number(record.createdAtMs));
  };

  return {
    async decorate(message) {
      const records: Spent[] = [];
      for (const value of Object.values(message)) {
        if (isSpent(value)) records.push(value);
        else if (Array.isArray(value)) for (const item of value) if (isSpent(item)) records.push(item);
      }
      // Spend is informational: a read that fails shows what it had (0) rather than failing the admin call.
      await Promise.all(records.map((r) => fill(r).catch(() => undefined)));
    },
  };
}

/**
 * Metering's recorded spend of a scope from `fromMs` (its creation) to now, at most the last 366 days: whole UTC days,
 * as the live-spend bucket keeps them.
 */
export function recordedSpend(
  live: SpendSource,
  now = Date.now,
): (kind: SpendKind, id: string, fromMs: number) => Promise<bigint> {
  return async (kind, id, fromMs) => {
    const nowMs = now();
    const from = Math.min(nowMs, Math.max(fromMs, nowMs - (MAX_SPEND_DAYS - 1) * DAY_MS));
    return (await readSpend(live, kind, id, utcDay(from), utcDay(nowMs))).costNanos;
  };
}

/** Whether `err` says the live-spend bucket does not exist (metering never ran): then nothing was recorded. */
export function isMissingBucket(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * The live-spend bucket, opened on first use: the metering service creates it, possibly after the policy starts. A
 * failed open is retried on the next read.
 */
export function liveSpendBucket(nc: NatsConnection): SpendSource {
  let bucket: Promise<KV> | undefined;
  return {
    async get(key) {
      bucket ??= new Kvm(nc).open(SPEND_BUCKET).catch((err: unknown) => {
        bucket = undefined;
        throw err;
      });
      return (await bucket).get(key);
    },
  };
}
