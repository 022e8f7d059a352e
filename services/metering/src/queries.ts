// The spend queries behind MeteringService. Every one reads deduplicated data: usage_events with FINAL (one row per
// event id), or the day rollup with FINAL (one row per value and day, recomputed from deduplicated events).

import { create } from "@bufbuild/protobuf";
import { metering } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { columnOf, eventConditions, type Filter, parseFilter, rollupConditions, rollupPlan } from "./filter.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import type { Dimension } from "./rollup.js";
import { dayOf, EVENT_COLUMNS, fromRow, i64, minuteOf, type StoredRow, u64 } from "./rows.js";
import { and, date, ident, int, list, type Sql, sql, str, uint } from "./sql.js";
import type { Store } from "./store.js";

/** Default and largest page of spend logs. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Most rows a spend report returns; a larger one asks for a narrower filter. */
export const MAX_REPORT_ROWS = 100_000;

const GROUPS: Record<metering.GroupBy, Dimension | undefined> = {
  [metering.GroupBy.UNSPECIFIED]: undefined,
  [metering.GroupBy.KEY]: "key",
  [metering.GroupBy.TEAM]: "team",
  [metering.GroupBy.USER]: "user",
  [metering.GroupBy.MODEL]: "model",
  [metering.GroupBy.PROVIDER]: "provider",
  [metering.GroupBy.END_USER]: "end_user",
};

interface TotalsRow {
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

/** The sums every total carries, the same from the events and from the rollup (whose columns sum them). */
const UNIT_SUMS = sql`sum(cost_nanos) AS cost_nanos, sum(prompt_tokens) AS prompt_tokens,
  sum(completion_tokens) AS completion_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_write_tokens) AS cache_write_tokens, sum(reasoning_tokens) AS reasoning_tokens,
  sum(audio_millis) AS audio_millis, sum(queries) AS queries`;
const EVENT_SUMS = sql`count() AS events, ${UNIT_SUMS}`;
const ROLLUP_SUMS = sql`sum(events) AS events, ${UNIT_SUMS}`;

/** Usage events matching the filter, newest first, one page at a time. */
export async function listSpendLogs(
  store: Store,
  req: metering.ListSpendLogsRequest,
): Promise<metering.ListSpendLogsResponse> {
  const filter = parseFilter(req.filter);
  const size = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(req.pageSize, MAX_PAGE_SIZE);
  const conditions = eventConditions(filter);
  if (req.pageToken !== "") {
    const after = decodePageToken(req.pageToken);
    const t = int(after.startedAtMs);
    conditions.push(sql`started_at_ms < ${t} OR (started_at_ms = ${t} AND event_id < ${str(after.eventId)})`);
    // Clamping day and minute is monotone, so these bounds only let the index skip what the keyset excludes.
    conditions.push(sql`day <= ${date(dayOf(after.startedAtMs))}`, sql`minute <= ${uint(minuteOf(after.startedAtMs))}`);
  }
  const rows = await store.rows<StoredRow>(sql`SELECT ${list(EVENT_COLUMNS.map(ident))}
FROM ${store.table("usage_events")} FINAL
WHERE ${and(conditions)}
ORDER BY started_at_ms DESC, event_id DESC
LIMIT ${uint(size + 1)}`);
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  const more = rows.length > size && last !== undefined;
  return create(metering.ListSpendLogsResponseSchema, {
    events: page.map(fromRow),
    nextPageToken: more ? encodePageToken({ startedAtMs: i64(last.started_at_ms), eventId: last.event_id }) : "",
  });
}

function groupOf(groupBy: metering.GroupBy): Dimension | undefined {
  if (!(groupBy in GROUPS)) throw invalidRequest(`group_by: unknown value ${groupBy}`, "group_by");
  return GROUPS[groupBy];
}

/** The report's statement: from the day rollup when it can answer, else from the events. */
function reportQuery(store: Store, filter: Filter, group: Dimension | undefined): Sql {
  const plan = rollupPlan(filter, group);
  const limit = uint(MAX_REPORT_ROWS + 1);
  if (plan) {
    const grp = group ? sql`value` : sql`''`;
    return sql`SELECT day, ${grp} AS grp, ${ROLLUP_SUMS}
FROM ${store.table("spend_daily")} FINAL
WHERE ${and(rollupConditions(filter, plan))}
GROUP BY day, grp
ORDER BY day, grp
LIMIT ${limit}`;
  }
  const grp = group ? columnOf(group) : sql`''`;
  return sql`SELECT day, ${grp} AS grp, ${EVENT_SUMS}
FROM ${store.table("usage_events")} FINAL
WHERE ${and(eventConditions(filter))}
GROUP BY day, grp
ORDER BY day, grp
LIMIT ${limit}`;
}

/** Spend per UTC day and per group, days ascending, then groups ascending. */
export async function spendReport(
  store: Store,
  req: metering.SpendReportRequest,
): Promise<metering.SpendReportResponse> {
  const group = groupOf(req.groupBy);
  const filter = parseFilter(req.filter);
  const rows = await store.rows<TotalsRow & { day: string; grp: string }>(reportQuery(store, filter, group));
  if (rows.length > MAX_REPORT_ROWS) {
    throw invalidRequest(`filter: the report has more than ${MAX_REPORT_ROWS} rows; narrow the range or filter`);
  }
  return create(metering.SpendReportResponseSchema, {
    rows: rows.map((r) => ({
      day: r.day,
      group: r.grp,
      costNanos: u64(r.cost_nanos),
      requests: u64(r.events),
      promptTokens: u64(r.prompt_tokens),
      completionTokens: u64(r.completion_tokens),
      cacheReadTokens: u64(r.cache_read_tokens),
      cacheWriteTokens: u64(r.cache_write_tokens),
      reasoningTokens: u64(r.reasoning_tokens),
      audioMillis: u64(r.audio_millis),
      queries: u64(r.queries),
    })),
  });
}

/** Totals of everything the filter selects. */
export async function getSpend(store: Store, req: metering.GetSpendRequest): Promise<metering.GetSpendResponse> {
  const filter = parseFilter(req.filter);
  const plan = rollupPlan(filter);
  const query = plan
    ? sql`SELECT ${ROLLUP_SUMS} FROM ${store.table("spend_daily")} FINAL WHERE ${and(rollupConditions(filter, plan))}`
    : sql`SELECT ${EVENT_SUMS} FROM ${store.table("usage_events")} FINAL WHERE ${and(eventConditions(filter))}`;
  const [row] = await store.rows<TotalsRow>(query);
  if (!row) throw new Error("expected one row of totals from ClickHouse");
  return create(metering.GetSpendResponseSchema, {
    costNanos: u64(row.cost_nanos),
    events: u64(row.events),
    promptTokens: u64(row.prompt_tokens),
    completionTokens: u64(row.completion_tokens),
  });
}
