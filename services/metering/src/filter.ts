// The spend queries' filter, validated once and turned into conditions: on usage_events (every filter), or on the
// day rollup (a time range of whole UTC days and at most one dimension value).

import type { metering } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { DIMENSIONS, type Dimension } from "./rollup.js";
import { dayOf, minuteOf } from "./rows.js";
import { date, ident, int, type Sql, sql, str, wellFormed } from "./sql.js";

/** Longest filter value accepted (characters). */
export const MAX_FILTER_CHARS = 65_536;
const DAY_MS = 86_400_000n;

/** The filter fields that select by value, with the column each one reads. */
const FIELDS = {
  keyId: "key_id",
  teamId: "team_id",
  userId: "user_id",
  endUser: "end_user",
  modelGroup: "model_group",
  provider: "provider",
  requestId: "request_id",
} as const;

type Field = keyof typeof FIELDS;

const DIMENSION_OF: Partial<Record<Field, Dimension>> = {
  keyId: "key",
  teamId: "team",
  userId: "user",
  endUser: "end_user",
  modelGroup: "model",
  provider: "provider",
};

/** A validated filter: a half-open time range (0n = open) and the non-empty value filters. */
export interface Filter {
  readonly startMs: bigint;
  readonly endMs: bigint;
  readonly values: ReadonlyArray<readonly [Field, string]>;
}

/** Validates a request's filter; throws an invalid-request error naming the offending field. */
export function parseFilter(filter: metering.SpendFilter | undefined): Filter {
  const startMs = filter?.startMs ?? 0n;
  const endMs = filter?.endMs ?? 0n;
  if (startMs < 0n) throw invalidRequest("filter.start_ms: expected unix milliseconds >= 0", "filter.start_ms");
  if (endMs < 0n) throw invalidRequest("filter.end_ms: expected unix milliseconds >= 0", "filter.end_ms");
  if (endMs !== 0n && endMs <= startMs) {
    throw invalidRequest("filter.end_ms: expected a time after start_ms", "filter.end_ms");
  }
  const values: Array<[Field, string]> = [];
  for (const field of Object.keys(FIELDS) as Field[]) {
    const value = filter?.[field] ?? "";
    if (value === "") continue;
    const param = `filter.${FIELDS[field]}`;
    if (value.length > MAX_FILTER_CHARS) {
      throw invalidRequest(`${param}: expected at most ${MAX_FILTER_CHARS} characters`, param);
    }
    if (!wellFormed(value)) throw invalidRequest(`${param}: expected valid UTF-8`, param);
    values.push([field, value]);
  }
  return { startMs, endMs, values };
}

/** Conditions selecting the filter's rows of usage_events (with day and minute bounds for the index). */
export function eventConditions(filter: Filter): Sql[] {
  const out: Sql[] = [];
  if (filter.startMs > 0n) {
    out.push(sql`started_at_ms >= ${int(filter.startMs)}`);
    out.push(sql`day >= ${date(dayOf(filter.startMs))}`, sql`minute >= ${int(minuteOf(filter.startMs))}`);
  }
  if (filter.endMs > 0n) {
    out.push(sql`started_at_ms < ${int(filter.endMs)}`);
    out.push(sql`day <= ${date(dayOf(filter.endMs - 1n))}`, sql`minute <= ${int(minuteOf(filter.endMs - 1n))}`);
  }
  for (const [field, value] of filter.values) out.push(sql`${ident(FIELDS[field])} = ${str(value)}`);
  return out;
}

/** A query the day rollup can answer: which dimension to read, and the value to select, if any. */
export interface RollupPlan {
  readonly dimension: Dimension;
  readonly value?: string;
}

/**
 * The rollup plan for a filter, or undefined when only the events can answer: the range must be whole UTC days, and
 * the values may select at most one dimension, which must be `group` when grouping. Without a value filter any
 * dimension adds up to the same totals (each event has exactly one value in each), so `group` or `key` is read.
 */
export function rollupPlan(filter: Filter, group?: Dimension): RollupPlan | undefined {
  if (filter.startMs % DAY_MS !== 0n || filter.endMs % DAY_MS !== 0n) return undefined;
  if (filter.values.length > 1) return undefined;
  const [only] = filter.values;
  if (!only) return { dimension: group ?? "key" };
  const dimension = DIMENSION_OF[only[0]];
  if (!dimension || (group && group !== dimension)) return undefined;
  return { dimension, value: only[1] };
}

/** Conditions selecting a rollup plan's rows of spend_daily. */
export function rollupConditions(filter: Filter, plan: RollupPlan): Sql[] {
  const out = [sql`dimension = ${str(plan.dimension)}`];
  if (plan.value !== undefined) out.push(sql`value = ${str(plan.value)}`);
  if (filter.startMs > 0n) out.push(sql`day >= ${date(dayOf(filter.startMs))}`);
  if (filter.endMs > 0n) out.push(sql`day <= ${date(dayOf(filter.endMs - 1n))}`);
  return out;
}

/** The usage_events column of a dimension. */
export function columnOf(dimension: Dimension): Sql {
  return ident(DIMENSIONS[dimension]);
}
