// One scope's ledger entry (a key, team, user or end user) and the pure rules that admit and settle requests
// against it. The entry lives in NATS KV and is changed only by compare-and-set (kv-ledger.ts), so these functions
// must be deterministic in (entry, input, now): after a conflict they run again on the newer entry.
//
// Rate limits count in one-second buckets over the last 61 seconds. A request is admitted when everything counted
// in those buckets plus its own demand fits the limit; since the oldest bucket may hold up to a second more than a
// strict 60-second window, the count is conservative: no 60-second window ever holds more than the limit.
//
// A request that reserves tokens, a parallel-request slot or budget leaves a pending record under its admission id.
// Settle replaces the reservation with the actual use and deletes the record, so settling twice changes nothing.
// A record that is never settled (an ingress died) expires: its slot is freed and its reserved money counts as spent.

import { formatUsd } from "@switchyard/pricing";

/** The limits of one scope; an undefined field is not limited. Budgets are nano-dollars. */
export interface ScopeLimits {
  rpm?: number;
  tpm?: number;
  parallel?: number;
  maxBudgetNanos?: bigint;
  /** Reported when the settled spend of the window reaches it; refuses nothing. */
  softBudgetNanos?: bigint;
  /** End (unix ms) of the current budget window; 0 when the budget never resets. */
  budgetWindowEndMs: number;
  /**
   * What a never-resetting budget starts from when its entry has none yet: the spend metering recorded before the
   * budget was enforced here (nano-dollars). A window that resets starts at 0.
   */
  seedNanos?: bigint;
}

/** Whether a scope's spend is tracked in budget windows: it has a max_budget or a soft_budget (which only reports). */
export function tracksSpend(limits: ScopeLimits): boolean {
  return limits.maxBudgetNanos !== undefined || limits.softBudgetNanos !== undefined;
}

/** What one request asks of a scope. */
export interface Demand {
  /** The admission id. */
  id: string;
  /** Prompt tokens plus the most the request may generate. */
  tokens: number;
  /** The request's maximum cost in nano-dollars. */
  nanos: bigint;
  nowMs: number;
  /** When an unsettled admission expires. */
  expiresAtMs: number;
  /** An admission ahead of need: granted only far from every limit (see `FAR`). */
  prefetch?: boolean;
}

/** One counted second: requests and tokens admitted in it. */
type Bucket = [second: number, requests: number, tokens: number];

/** A pending admission: expiry, rate bucket and tokens reserved there, slot taken, nano-dollars reserved, window. */
type Pending = [expiresAtMs: number, second: number, tokens: number, slot: 0 | 1, nanos: string, windowEndMs: number];

/** The stored form of a scope's ledger. */
export interface LedgerEntry {
  /** Rate buckets, oldest first. */
  w: Bucket[];
  /** Pending admissions by id. */
  a: Record<string, Pending>;
  /** Budget: the window it counts (end ms, 0 = never resets) and what settled in it, nano-dollars. */
  b?: { e: number; s: string };
}

/** How a limit stands after a decision, for OpenAI's x-ratelimit-* headers. */
export interface LimitStatus {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** What an admitted request holds in a scope; returned to Settle. */
export interface ScopeHold {
  second: number;
  tokens: number;
  slot: boolean;
  budget: boolean;
  reservedNanos: bigint;
  budgetWindowEndMs: number;
}

export type AdmitOutcome =
  | {
      ok: true;
      hold: ScopeHold;
      requests?: LimitStatus;
      tokens?: LimitStatus;
      /** The window's settled spend has reached the soft budget. */
      softBudgetReached?: boolean;
    }
  | {
      ok: false;
      /** `prefetch`: a prefetch refused because the scope is near a limit; the request itself may well fit. */
      kind: "rate" | "budget" | "prefetch";
      /** Names the limit, e.g. "rpm_limit 10 reached"; the caller adds the scope. */
      reason: string;
      /** 0 when waiting does not help. */
      retryAfterMs: number;
      requests?: LimitStatus;
      tokens?: LimitStatus;
    };

/** Seconds of history the rate buckets keep: 60 plus the partial oldest second. */
const WINDOW_SECONDS = 61;
/** Retry-After of a refusal by the parallel-request limit: slots free when requests end, which is not predictable. */
const PARALLEL_RETRY_MS = 1_000;

/**
 * How far from its limits a scope must stay for a prefetch: after it, at least a quarter of each limit left, and at
 * least 8 requests, 8 slots or 16 times the demand. Near a limit every request is admitted one by one, so an admission
 * held ahead of need never takes the last of a limit from a request that arrived.
 */
function far(left: bigint, limit: bigint, floor: bigint): boolean {
  return left * 4n >= limit && left >= floor;
}

/** A new, empty entry. */
export function emptyEntry(): LedgerEntry {
  return { w: [], a: {} };
}

/** Parses a stored entry; anything malformed is dropped field by field rather than trusted. */
export function parseEntry(text: string): LedgerEntry {
  const raw = JSON.parse(text) as Partial<LedgerEntry> | null;
  const entry = emptyEntry();
  if (!raw || typeof raw !== "object") return entry;
  if (Array.isArray(raw.w)) {
    entry.w = raw.w.filter(
      (b): b is Bucket => Array.isArray(b) && b.length === 3 && b.every((n) => Number.isSafeInteger(n) && n >= 0),
    );
  }
  if (raw.a && typeof raw.a === "object") {
    for (const [id, p] of Object.entries(raw.a)) {
      if (Array.isArray(p) && p.length === 6 && typeof p[4] === "string" && /^\d{1,20}$/.test(p[4])) {
        entry.a[id] = p as Pending;
      }
    }
  }
  if (raw.b && typeof raw.b === "object" && Number.isSafeInteger(raw.b.e) && /^\d{1,20}$/.test(String(raw.b.s))) {
    entry.b = { e: raw.b.e, s: String(raw.b.s) };
  }
  return entry;
}

/** The stored form of an entry. */
export function serializeEntry(entry: LedgerEntry): string {
  return JSON.stringify(entry);
}

/**
 * Drops what no longer counts at `nowMs`: rate buckets older than the window, expired pending admissions (their
 * reserved money becomes spent in its window), and the settled spend of a budget window that has ended.
 */
export function prune(entry: LedgerEntry, limits: ScopeLimits, nowMs: number): void {
  const oldest = Math.floor(nowMs / 1000) - WINDOW_SECONDS + 1;
  if (entry.w.length > 0 && entry.w[0]![0] < oldest) entry.w = entry.w.filter((b) => b[0] >= oldest);
  const window = tracksSpend(limits) ? limits.budgetWindowEndMs : undefined;
  if (window === undefined) delete entry.b;
  else if (!entry.b || entry.b.e !== window) {
    entry.b = { e: window, s: window === 0 ? (limits.seedNanos ?? 0n).toString() : "0" };
  }
  for (const [id, p] of Object.entries(entry.a)) {
    if (p[0] > nowMs) continue;
    if (entry.b && p[5] === entry.b.e && p[4] !== "0") entry.b.s = (BigInt(entry.b.s) + BigInt(p[4])).toString();
    delete entry.a[id];
  }
}

function sums(entry: LedgerEntry): { requests: number; tokens: number } {
  let requests = 0;
  let tokens = 0;
  for (const [, r, t] of entry.w) {
    requests += r;
    tokens += t;
  }
  return { requests, tokens };
}

/** Milliseconds until `used - freed + need <= limit`, freeing buckets oldest first; 0 when that never happens. */
function waitFor(entry: LedgerEntry, column: 1 | 2, used: number, need: number, limit: number, nowMs: number): number {
  if (need > limit) return 0;
  let freed = 0;
  for (const bucket of entry.w) {
    freed += bucket[column];
    if (used - freed + need <= limit) return Math.max(1, (bucket[0] + WINDOW_SECONDS) * 1000 - nowMs);
  }
  return 1;
}

/** Milliseconds until every bucket counted now has left the window. */
function resetMs(entry: LedgerEntry, nowMs: number): number {
  const newest = entry.w[entry.w.length - 1];
  return newest ? Math.max(0, (newest[0] + WINDOW_SECONDS) * 1000 - nowMs) : 0;
}

/** Nano-dollars settled plus reserved in the current budget window. */
export function budgetUsed(entry: LedgerEntry): bigint {
  if (!entry.b) return 0n;
  let used = BigInt(entry.b.s);
  for (const p of Object.values(entry.a)) if (p[5] === entry.b.e) used += BigInt(p[4]);
  return used;
}

function slotsTaken(entry: LedgerEntry): number {
  let taken = 0;
  for (const p of Object.values(entry.a)) taken += p[3];
  return taken;
}

/**
 * Admits `demand` into `entry` (changing it) when every limit of the scope allows it; otherwise leaves the entry's
 * counts as they were and says which limit refused and when to retry.
 */
export function admit(entry: LedgerEntry, limits: ScopeLimits, demand: Demand): AdmitOutcome {
  const { nowMs } = demand;
  prune(entry, limits, nowMs);
  const used = sums(entry);
  const reset = resetMs(entry, nowMs);
  const status = (limit: number | undefined, count: number) =>
    limit === undefined ? undefined : { limit, remaining: Math.max(0, limit - count), resetMs: reset };
  const refuse = (kind: "rate" | "budget" | "prefetch", reason: string, retryAfterMs: number): AdmitOutcome => ({
    ok: false,
    kind,
    reason,
    retryAfterMs,
    requests: status(limits.rpm, used.requests),
    tokens: status(limits.tpm, used.tokens),
  });

  if (limits.rpm !== undefined && used.requests + 1 > limits.rpm) {
    return refuse("rate", `rpm_limit ${limits.rpm} reached`, waitFor(entry, 1, used.requests, 1, limits.rpm, nowMs));
  }
  if (limits.tpm !== undefined) {
    if (demand.tokens > limits.tpm) {
      return refuse(
        "rate",
        `the request may use ${demand.tokens} tokens (prompt plus max_tokens), more than tpm_limit ${limits.tpm}; lower max_tokens`,
        0,
      );
    }
    if (used.tokens + demand.tokens > limits.tpm) {
      return refuse(
        "rate",
        `tpm_limit ${limits.tpm} reached`,
        waitFor(entry, 2, used.tokens, demand.tokens, limits.tpm, nowMs),
      );
    }
  }
  if (limits.parallel !== undefined && slotsTaken(entry) >= limits.parallel) {
    return refuse("rate", `max_parallel_requests ${limits.parallel} reached`, PARALLEL_RETRY_MS);
  }
  const budget = limits.maxBudgetNanos;
  if (budget !== undefined && entry.b) {
    const usedNanos = budgetUsed(entry);
    if (usedNanos + demand.nanos > budget) {
      const retry = entry.b.e > 0 ? Math.max(1, entry.b.e - nowMs) : 0;
      const remaining = usedNanos >= budget ? 0n : budget - usedNanos;
      return refuse(
        "budget",
        usedNanos >= budget
          ? "budget exhausted"
          : `the request may cost up to ${usd(demand.nanos)}, more than the ${usd(remaining)} left of the budget; lower max_tokens`,
        retry,
      );
    }
  }

  if (demand.prefetch) {
    const slots = slotsTaken(entry);
    const near =
      (limits.rpm !== undefined && !far(BigInt(limits.rpm - used.requests - 1), BigInt(limits.rpm), 8n)) ||
      (limits.tpm !== undefined &&
        !far(BigInt(limits.tpm - used.tokens - demand.tokens), BigInt(limits.tpm), BigInt(demand.tokens) * 16n)) ||
      (limits.parallel !== undefined && !far(BigInt(limits.parallel - slots - 1), BigInt(limits.parallel), 8n)) ||
      (budget !== undefined &&
        entry.b !== undefined &&
        !far(budget - budgetUsed(entry) - demand.nanos, budget, demand.nanos * 16n));
    if (near) return refuse("prefetch", "near a limit", 0);
  }

  const rated = limits.rpm !== undefined || limits.tpm !== undefined;
  const second = rated ? Math.floor(nowMs / 1000) : 0;
  const tokens = limits.tpm !== undefined ? demand.tokens : 0;
  if (rated) {
    const last = entry.w[entry.w.length - 1];
    if (last && last[0] === second) {
      last[1] += 1;
      last[2] += tokens;
    } else entry.w.push([second, 1, tokens]);
  }
  const slot = limits.parallel !== undefined;
  // prune (above) keeps a budget window exactly when the scope tracks spend (tracksSpend).
  const budgeted = entry.b !== undefined;
  // A budgeted admission reserves at least one nano-dollar: its settle adds the actual cost only to admissions with a
  // reservation, and a request priced by what is only known afterwards (a per-query rerank, audio of unreadable
  // length) must still count.
  const nanos = budgeted ? (demand.nanos > 0n ? demand.nanos : 1n) : 0n;
  // A prefetch always leaves a pending record, so that giving it back unused (`releaseUnused`) happens at most once.
  if (tokens > 0 || slot || budgeted || demand.prefetch) {
    entry.a[demand.id] = [demand.expiresAtMs, second, tokens, slot ? 1 : 0, nanos.toString(), entry.b?.e ?? 0];
  }
  const after = sums(entry);
  const afterReset = resetMs(entry, nowMs);
  const after_ = (limit: number | undefined, count: number) =>
    limit === undefined ? undefined : { limit, remaining: Math.max(0, limit - count), resetMs: afterReset };
  return {
    ok: true,
    hold: { second, tokens, slot, budget: budgeted, reservedNanos: nanos, budgetWindowEndMs: entry.b?.e ?? 0 },
    requests: after_(limits.rpm, after.requests),
    tokens: after_(limits.tpm, after.tokens),
    ...(limits.softBudgetNanos !== undefined && entry.b && BigInt(entry.b.s) >= limits.softBudgetNanos
      ? { softBudgetReached: true }
      : {}),
  };
}

/** The actual use of a settled request. */
export interface Actual {
  tokens: number;
  nanos: bigint;
}

/**
 * Settles admission `id` in `entry`: the tokens reserved in its rate bucket become the actual tokens, its slot is
 * freed and its reservation becomes the actual cost. Nothing happens when the admission is no longer pending
 * (settled before, or expired). Returns whether the entry changed.
 */
export function settle(entry: LedgerEntry, id: string, actual: Actual): boolean {
  const pending = entry.a[id];
  if (!pending) return false;
  delete entry.a[id];
  const [, second, reserved, , , windowEnd] = pending;
  if (reserved > 0) {
    const bucket = entry.w.find((b) => b[0] === second);
    if (bucket) bucket[2] = Math.max(0, bucket[2] - reserved + actual.tokens);
  }
  if (entry.b && pending[4] !== "0" && entry.b.e === windowEnd) {
    entry.b.s = (BigInt(entry.b.s) + actual.nanos).toString();
  }
  return true;
}

/**
 * Keeps pending admission `id` open until `expiresAtMs` (a request still running); never shortens it, and does
 * nothing once the admission is settled or expired. Returns whether the entry changed.
 */
export function renew(entry: LedgerEntry, id: string, expiresAtMs: number): boolean {
  const pending = entry.a[id];
  if (!pending || pending[0] >= expiresAtMs) return false;
  pending[0] = expiresAtMs;
  return true;
}

/**
 * Gives back a prefetched admission that was never used: its request and tokens leave their rate bucket, its slot and
 * reservation are freed. Only while it is pending, so giving it back twice changes nothing. Returns whether it did.
 */
export function releaseUnused(entry: LedgerEntry, id: string): boolean {
  const pending = entry.a[id];
  if (!pending) return false;
  delete entry.a[id];
  const [, second, tokens] = pending;
  const bucket = second > 0 ? entry.w.find((b) => b[0] === second) : undefined;
  if (bucket) {
    bucket[1] = Math.max(0, bucket[1] - 1);
    bucket[2] = Math.max(0, bucket[2] - tokens);
  }
  return true;
}

/** Undoes an admission that another scope refused: as if the request never happened. */
export function release(entry: LedgerEntry, id: string, hold: ScopeHold): boolean {
  let changed = false;
  if (hold.second > 0) {
    const bucket = entry.w.find((b) => b[0] === hold.second);
    if (bucket) {
      bucket[1] = Math.max(0, bucket[1] - 1);
      bucket[2] = Math.max(0, bucket[2] - hold.tokens);
      changed = true;
    }
  }
  if (entry.a[id]) {
    delete entry.a[id];
    changed = true;
  }
  return changed;
}

/** Dollars for a message: "$0.1". */
function usd(nanos: bigint): string {
  return `$${formatUsd(nanos)}`;
}
