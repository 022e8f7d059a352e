// Spend rollups, kept exact under redelivery. A materialized view that sums on insert would count an event once per
// delivery; instead the totals of the minutes a batch touched are recomputed from the deduplicated events (FINAL) and
// inserted as new versions (see schema.ts for why the largest event count wins). Three levels keep every step's
// reading bounded however late in the day or month it runs, and free of value lists in the SQL:
//   1. minute: every (dimension, value) of the touched minutes, from those minutes' events only;
//   2. hour: for every (dimension, value) active in the touched minutes, from its at most 60 minute rows of each
//      touched hour;
//   3. day: for every such (dimension, value), from its at most 24 hour rows of each touched day.
// Steps 2 and 3 cover every value the batch touched (each of its events lies in a touched minute), and perhaps
// others, whose recomputed totals are just as correct. The minute and hour tables are sorted by time first, so each
// step reads only the rows of its time range.

import { dayStartMs } from "@switchyard/usage";
import { dayOf } from "./rows.js";
import { and, date, ident, list, or, type Sql, sql, str, uint } from "./sql.js";
import type { Store } from "./store.js";

const HOUR_MS = 3_600_000;

/** The dimensions spend is rolled up by, with the usage_events column each one reads. */
export const DIMENSIONS = {
  key: "key_id",
  team: "team_id",
  user: "user_id",
  end_user: "end_user",
  model: "model_group",
  provider: "provider",
} as const;

/** A rollup dimension. */
export type Dimension = keyof typeof DIMENSIONS;

const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

/** The minutes (unix minutes) and UTC days a set of events started in. */
export interface Touched {
  readonly minutes: Set<number>;
  readonly days: Set<string>;
}

/** One value's totals on one UTC day, as ClickHouse returns them (64-bit integers as decimal strings). */
export interface DailyTotal {
  dimension: Dimension;
  value: string;
  day: string;
  events: string;
  cost_nanos: string;
  prompt_tokens: string;
  completion_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  reasoning_tokens: string;
  audio_millis: string;
  queries: string;
}

/** An empty touched set. */
export function emptyTouched(): Touched {
  return { minutes: new Set(), days: new Set() };
}

/** Adds one event's minute and day to `touched`. */
export function touch(touched: Touched, row: { minute: number; day: string }): void {
  touched.minutes.add(row.minute);
  touched.days.add(row.day);
}

/** The union of touched sets. */
export function mergeTouched(sets: readonly Touched[]): Touched {
  const out = emptyTouched();
  for (const t of sets) {
    for (const m of t.minutes) out.minutes.add(m);
    for (const d of t.days) out.days.add(d);
  }
  return out;
}

/** The summed columns, named alike in usage_events and the rollups. */
const SUMMED = sql`cost_nanos, prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens,
  reasoning_tokens, audio_millis, queries`;
const SUMS = sql`sum(cost_nanos), sum(prompt_tokens), sum(completion_tokens), sum(cache_read_tokens),
  sum(cache_write_tokens), sum(reasoning_tokens), sum(audio_millis), sum(queries)`;
const ROLLUP_COLUMNS = sql`events, ${SUMMED}`;

/** The touched days, as a list of Date literals. */
function dayList(touched: Touched): Sql {
  return list([...touched.days].map(date));
}

/** The touched minutes, as a list of integer literals. */
function minuteList(touched: Touched): Sql {
  return list([...touched.minutes].map(uint));
}

/** The values with a row in the touched minutes: those the batch may have changed. */
function activeValues(store: Store, touched: Touched): Sql {
  return sql`(dimension, value) IN (SELECT dimension, value FROM ${store.table("spend_minutely")}
  WHERE day IN (${dayList(touched)}) AND minute IN (${minuteList(touched)}))`;
}

/** `column` in one of the half-open ranges [from, from + span), as key-range conditions ClickHouse can index. */
function inRanges(column: string, starts: readonly number[], span: number): Sql {
  return or(starts.map((from) => sql`(${ident(column)} >= ${uint(from)} AND ${ident(column)} < ${uint(from + span)})`));
}

/** The unix hours the touched minutes lie in. */
function hoursOf(touched: Touched): number[] {
  return [...new Set([...touched.minutes].map((m) => Math.floor(m / 60)))];
}

function minuteRollup(store: Store, touched: Touched): Sql {
  const names = list(DIMENSION_NAMES.map((d) => str(d)));
  const columns = list(DIMENSION_NAMES.map((d) => ident(DIMENSIONS[d])));
  return sql`INSERT INTO ${store.table("spend_minutely")} (dimension, value, minute, day, ${ROLLUP_COLUMNS})
SELECT dimension, value, minute, any(day), count(), ${SUMS}
FROM (
  SELECT minute, day, ${columns}, ${SUMMED}
  FROM ${store.table("usage_events")} FINAL
  WHERE ${and([sql`day IN (${dayList(touched)})`, sql`minute IN (${minuteList(touched)})`])}
)
ARRAY JOIN [${names}] AS dimension, [${columns}] AS value
GROUP BY dimension, value, minute`;
}

function hourRollup(store: Store, touched: Touched): Sql {
  return sql`INSERT INTO ${store.table("spend_hourly")} (dimension, value, hour, day, ${ROLLUP_COLUMNS})
SELECT dimension, value, intDiv(minute, 60), any(day), sum(events), ${SUMS}
FROM ${store.table("spend_minutely")} FINAL
WHERE ${and([
    sql`day IN (${dayList(touched)})`,
    inRanges(
      "minute",
      hoursOf(touched).map((h) => h * 60),
      60,
    ),
    activeValues(store, touched),
  ])}
GROUP BY dimension, value, intDiv(minute, 60)`;
}

function dailyTotals(store: Store, touched: Touched): Sql {
  const dayStarts = [...touched.days].map((d) => dayStartMs(d) / HOUR_MS);
  return sql`SELECT dimension, value, day, sum(events) AS events, sum(cost_nanos) AS cost_nanos,
  sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
  sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
  sum(reasoning_tokens) AS reasoning_tokens, sum(audio_millis) AS audio_millis, sum(queries) AS queries
FROM ${store.table("spend_hourly")} FINAL
WHERE ${and([sql`day IN (${dayList(touched)})`, inRanges("hour", dayStarts, 24), activeValues(store, touched)])}
GROUP BY dimension, value, day`;
}

/** Marks the touched minutes pending (`done` false) or recomputed, as of `atMs` (see schema.ts, rollup_pending). */
export async function markMinutes(store: Store, touched: Touched, atMs: number, done: boolean): Promise<void> {
  const rows = [...touched.minutes].map((minute) => ({
    minute,
    day: dayOf(minute * 60_000),
    at_ms: atMs,
    done: done ? 1 : 0,
  }));
  await store.insert("rollup_pending", rows);
}

/** The minutes (and their days) still marked pending: acknowledged events whose rollups may be missing. */
export async function pendingMinutes(store: Store): Promise<Touched> {
  const rows = await store.rows<{ minute: number }>(
    sql`SELECT minute FROM ${store.table("rollup_pending")} FINAL WHERE done = 0`,
  );
  const touched = emptyTouched();
  for (const { minute } of rows) {
    const m = Number(minute);
    touch(touched, { minute: m, day: dayOf(m * 60_000) });
  }
  return touched;
}

/**
 * Recomputes the minute, hour and day rollups of the touched minutes and returns the new day totals. Idempotent:
 * running it again, or concurrently on another replica, yields the same rows.
 */
export async function recompute(store: Store, touched: Touched): Promise<DailyTotal[]> {
  if (touched.minutes.size === 0) return [];
  await store.command(minuteRollup(store, touched));
  await store.command(hourRollup(store, touched));
  const totals = await store.rows<DailyTotal>(dailyTotals(store, touched));
  await store.insert("spend_daily", totals);
  return totals;
}
