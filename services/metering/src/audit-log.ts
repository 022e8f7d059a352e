// The admin audit log in ClickHouse: an AuditEvent as an audit_log row and back, and ListAuditLogs. Every filter
// value is validated and goes through sql.ts; pages are keyset positions (time, event id), like the spend logs, and
// every read is FINAL, so an event delivered twice is listed once.

import { create } from "@bufbuild/protobuf";
import { metering, policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { MAX_FILTER_CHARS } from "./filter.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./queries.js";
import { dayOf, i64 } from "./rows.js";
import { and, date, ident, int, list, type Sql, sql, str, uint, wellFormed } from "./sql.js";
import type { Store } from "./store.js";

/** An audit_log row as inserted (JSONEachRow) and as read back. */
export interface AuditRow {
  event_id: string;
  time_ms: string;
  day: string;
  actor_role: string;
  actor_key_id: string;
  actor_user_id: string;
  action: string;
  object_kind: string;
  object_id: string;
  before_json: string;
  after_json: string;
  request_id: string;
}

/** The columns read back, in the order of `AuditRow`. */
const AUDIT_COLUMNS: readonly (keyof AuditRow)[] = [
  "event_id",
  "time_ms",
  "day",
  "actor_role",
  "actor_key_id",
  "actor_user_id",
  "action",
  "object_kind",
  "object_id",
  "before_json",
  "after_json",
  "request_id",
];

const { AuditActorRole } = policy;

/** The stored name of each actor role (readable in SQL); unknown roles are stored as "". */
const ROLE_NAMES: Readonly<Record<policy.AuditActorRole, string>> = {
  [AuditActorRole.UNSPECIFIED]: "",
  [AuditActorRole.MASTER_KEY]: "master_key",
  [AuditActorRole.PROXY_ADMIN]: "proxy_admin",
  [AuditActorRole.TEAM_ADMIN]: "team_admin",
};

function roleOf(name: string): policy.AuditActorRole {
  const found = Object.entries(ROLE_NAMES).find(([, n]) => n === name && n !== "");
  return found ? (Number(found[0]) as policy.AuditActorRole) : AuditActorRole.UNSPECIFIED;
}

/** The row of an event; `id` replaces an empty event_id (the message id or stream sequence, stable on redelivery). */
export function toAuditRow(event: policy.AuditEvent, id: string): AuditRow {
  const actor = event.actor ?? create(policy.AuditActorSchema);
  return {
    event_id: event.eventId || id,
    time_ms: event.timeMs.toString(),
    day: dayOf(event.timeMs),
    actor_role: ROLE_NAMES[actor.role] ?? "",
    actor_key_id: actor.keyId,
    actor_user_id: actor.userId,
    action: event.action,
    object_kind: event.objectKind,
    object_id: event.objectId,
    before_json: event.beforeJson,
    after_json: event.afterJson,
    request_id: event.requestId,
  };
}

/** The event of a row read back. */
export function fromAuditRow(row: AuditRow): policy.AuditEvent {
  return create(policy.AuditEventSchema, {
    eventId: row.event_id,
    timeMs: i64(row.time_ms),
    actor: { role: roleOf(row.actor_role), keyId: row.actor_key_id, userId: row.actor_user_id },
    action: row.action,
    objectKind: row.object_kind,
    objectId: row.object_id,
    beforeJson: row.before_json,
    afterJson: row.after_json,
    requestId: row.request_id,
  });
}

/** The filter fields that select by value, with the column each one reads. */
const VALUE_FIELDS = {
  actorUserId: "actor_user_id",
  actorKeyId: "actor_key_id",
  action: "action",
  objectKind: "object_kind",
  objectId: "object_id",
  requestId: "request_id",
  eventId: "event_id",
} as const;

/** Validates a filter and turns it into conditions on audit_log; throws an invalid-request error naming the field. */
export function auditConditions(filter: metering.AuditFilter | undefined): Sql[] {
  const startMs = filter?.startMs ?? 0n;
  const endMs = filter?.endMs ?? 0n;
  if (startMs < 0n) throw invalidRequest("filter.start_ms: expected unix milliseconds >= 0", "filter.start_ms");
  if (endMs < 0n) throw invalidRequest("filter.end_ms: expected unix milliseconds >= 0", "filter.end_ms");
  if (endMs !== 0n && endMs <= startMs) {
    throw invalidRequest("filter.end_ms: expected a time after start_ms", "filter.end_ms");
  }
  const out: Sql[] = [];
  // Day bounds let ClickHouse skip whole partitions; the time bounds decide.
  if (startMs > 0n) out.push(sql`time_ms >= ${int(startMs)}`, sql`day >= ${date(dayOf(startMs))}`);
  if (endMs > 0n) out.push(sql`time_ms < ${int(endMs)}`, sql`day <= ${date(dayOf(endMs - 1n))}`);
  const role = filter?.actorRole ?? AuditActorRole.UNSPECIFIED;
  if (role !== AuditActorRole.UNSPECIFIED) {
    const name = ROLE_NAMES[role];
    if (!name) throw invalidRequest(`filter.actor_role: unknown value ${role}`, "filter.actor_role");
    out.push(sql`actor_role = ${str(name)}`);
  }
  for (const field of Object.keys(VALUE_FIELDS) as (keyof typeof VALUE_FIELDS)[]) {
    const value = filter?.[field] ?? "";
    if (value === "") continue;
    const param = `filter.${VALUE_FIELDS[field]}`;
    if (value.length > MAX_FILTER_CHARS) {
      throw invalidRequest(`${param}: expected at most ${MAX_FILTER_CHARS} characters`, param);
    }
    if (!wellFormed(value)) throw invalidRequest(`${param}: expected valid UTF-8`, param);
    out.push(sql`${ident(VALUE_FIELDS[field])} = ${str(value)}`);
  }
  return out;
}

/** Audit events matching the filter, newest first, one page at a time. */
export async function listAuditLogs(
  store: Store,
  req: metering.ListAuditLogsRequest,
): Promise<metering.ListAuditLogsResponse> {
  const conditions = auditConditions(req.filter);
  const size = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(req.pageSize, MAX_PAGE_SIZE);
  if (req.pageToken !== "") {
    const after = decodePageToken(req.pageToken);
    const t = int(after.startedAtMs);
    conditions.push(sql`time_ms < ${t} OR (time_ms = ${t} AND event_id < ${str(after.eventId)})`);
    conditions.push(sql`day <= ${date(dayOf(after.startedAtMs))}`);
  }
  const rows = await store.rows<AuditRow>(sql`SELECT ${list(AUDIT_COLUMNS.map(ident))}
FROM ${store.table("audit_log")} FINAL
WHERE ${and(conditions)}
ORDER BY time_ms DESC, event_id DESC
LIMIT ${uint(size + 1)}`);
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  const more = rows.length > size && last !== undefined;
  return create(metering.ListAuditLogsResponseSchema, {
    events: page.map(fromAuditRow),
    nextPageToken: more ? encodePageToken({ startedAtMs: i64(last.time_ms), eventId: last.event_id }) : "",
  });
}
