// Live spend: running totals per key, team, user and end user per UTC day, kept in a NATS KV bucket. The metering
// service writes them after every stored batch, recomputed from ClickHouse (so a redelivered event cannot inflate
// them); whoever enforces budgets reads them here without asking ClickHouse.
//
// Key:   <kind>.<encoded id>.<YYYY-MM-DD>, e.g. `team.acme=2Eeu.2025-03-01`
// Value: JSON with decimal strings, e.g. {"costNanos":"1250000","events":"3","promptTokens":"900","completionTokens":"60"}

import { createHash } from "node:crypto";

/** The KV bucket holding live spend. */
export const SPEND_BUCKET = "switchyard-spend";

/** Whose spend is tracked. */
export type SpendKind = "key" | "team" | "user" | "end_user";

/** Every tracked kind, in a fixed order. */
export const SPEND_KINDS: readonly SpendKind[] = ["key", "team", "user", "end_user"];

/** Totals of one id on one day, or summed over days; exact integers. */
export interface SpendTotals {
  /** Nano-dollars (1e-9 USD). */
  costNanos: bigint;
  /** Usage events (upstream attempts). */
  events: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
}

/** The read side of a KV bucket that `readSpend` needs; a `@nats-io/kv` bucket satisfies it. */
export interface SpendSource {
  get(key: string): Promise<{ readonly operation?: string; string(): string } | null>;
}

/** Most days `readSpend` adds up in one call (a year, leap day included). */
export const MAX_SPEND_DAYS = 366;

/** Encoded ids longer than this are replaced by a hash, so every key stays far below NATS's subject limits. */
const MAX_ENCODED_ID = 192;
const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const PLAIN = /[A-Za-z0-9_-]/;
const DIGITS = /^(0|[1-9]\d{0,19})$/;
const U64_MAX = (1n << 64n) - 1n;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Zero totals. */
export function zeroSpend(): SpendTotals {
  return { costNanos: 0n, events: 0n, promptTokens: 0n, completionTokens: 0n };
}

/**
 * Encodes an id into one KV key token: `[A-Za-z0-9_-]` stay, every other UTF-8 byte becomes `=XX` (upper-case hex),
 * so the encoding is injective and only uses characters KV keys allow. An encoding longer than 192 characters is
 * replaced by `==` and the SHA-256 of the id in hex; `==` never occurs in the escaped form, so the two cannot collide.
 */
export function encodeSpendId(id: string): string {
  if (id === "") throw new Error("expected a non-empty id");
  if (LONE_SURROGATE.test(id)) throw new Error("expected an id without unpaired surrogates");
  let out = "";
  for (const ch of id) {
    if (PLAIN.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (out.length <= MAX_ENCODED_ID) return out;
  return `==${createHash("sha256").update(id, "utf8").digest("hex")}`;
}

/** Decodes an escaped (not hashed) id token; throws on anything `encodeSpendId` cannot produce. */
export function decodeSpendId(token: string): string {
  if (token.startsWith("==")) throw new Error("expected an escaped id, got a hashed one");
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    if (ch === "=") {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`expected =XX at ${i} of the id token`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (PLAIN.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      throw new Error(`unexpected "${ch}" at ${i} of the id token`);
    }
  }
  const id = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  if (encodeSpendId(id) !== token) throw new Error("expected the canonical encoding of an id");
  return id;
}

/** The KV key of one id's spend on one UTC day. */
export function spendKey(kind: SpendKind, id: string, day: string): string {
  if (!SPEND_KINDS.includes(kind)) throw new Error(`expected a spend kind (${SPEND_KINDS.join(", ")}), got "${kind}"`);
  dayStartMs(day);
  return `${kind}.${encodeSpendId(id)}.${day}`;
}

/** The UTC day (YYYY-MM-DD) of a unix-millisecond instant. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Unix milliseconds of a day's UTC midnight; throws unless `day` is a real YYYY-MM-DD date. */
export function dayStartMs(day: string): number {
  const m = DAY.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || utcDay(ms) !== day) throw new Error(`expected a YYYY-MM-DD day, got "${day}"`);
  return ms;
}

/** The days from `fromDay` to `toDay`, both included; at most 366. */
export function spendDays(fromDay: string, toDay: string): string[] {
  const from = dayStartMs(fromDay);
  const to = dayStartMs(toDay);
  if (to < from) throw new Error(`expected ${toDay} not before ${fromDay}`);
  const count = (to - from) / DAY_MS + 1;
  if (count > MAX_SPEND_DAYS) throw new Error(`expected at most ${MAX_SPEND_DAYS} days, got ${count}`);
  return Array.from({ length: count }, (_, i) => utcDay(from + i * DAY_MS));
}

/** The KV value of a day's totals: decimal strings, never floats. */
export function encodeSpend(totals: SpendTotals): string {
  return JSON.stringify({
    costNanos: totals.costNanos.toString(),
    events: totals.events.toString(),
    promptTokens: totals.promptTokens.toString(),
    completionTokens: totals.completionTokens.toString(),
  });
}

/** Parses a KV value written by `encodeSpend`; throws with the offending field when it is not one. */
export function decodeSpend(text: string): SpendTotals {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("expected a JSON spend value");
  }
  if (typeof json !== "object" || json === null) throw new Error("expected a JSON object spend value");
  const record = json as Record<string, unknown>;
  const field = (name: keyof SpendTotals): bigint => {
    const value = record[name];
    if (typeof value !== "string" || !DIGITS.test(value) || BigInt(value) > U64_MAX) {
      throw new Error(`spend value ${name}: expected a decimal uint64 string`);
    }
    return BigInt(value);
  };
  return {
    costNanos: field("costNanos"),
    events: field("events"),
    promptTokens: field("promptTokens"),
    completionTokens: field("completionTokens"),
  };
}

/** Adds `b` into `a` and returns `a`. */
export function addSpend(a: SpendTotals, b: SpendTotals): SpendTotals {
  a.costNanos += b.costNanos;
  a.events += b.events;
  a.promptTokens += b.promptTokens;
  a.completionTokens += b.completionTokens;
  return a;
}

/**
 * Sums an id's live spend over the UTC days `fromDay`..`toDay` (both included, at most 366), reading each day's
 * bucket; days without one (no spend, or expired) count as zero. Throws on a malformed value rather than guess.
 */
export async function readSpend(
  kv: SpendSource,
  kind: SpendKind,
  id: string,
  fromDay: string,
  toDay: string,
): Promise<SpendTotals> {
  const keys = spendDays(fromDay, toDay).map((day) => spendKey(kind, id, day));
  const entries = await Promise.all(keys.map((key) => kv.get(key)));
  const total = zeroSpend();
  for (const entry of entries) {
    if (entry === null || (entry.operation !== undefined && entry.operation !== "PUT")) continue;
    addSpend(total, decodeSpend(entry.string()));
  }
  return total;
}
