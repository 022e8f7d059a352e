// The admin audit log under LiteLLM's paths, answered by the metering service from ClickHouse:
//
//   GET /audit?start_date&end_date&changed_by&changed_by_api_key&action&table_name|object_kind&object_id
//             &request_id&page_size&page_token
//   GET /audit/{id}
//
// Rows carry LiteLLM's field names (id, updated_at, changed_by, changed_by_api_key, action, table_name, object_id,
// before_value, updated_values) plus Switchyard's (object_kind, actor_role, request_id). Pages are keyset tokens, as
// for /spend/logs: LiteLLM's `page` is accepted only as 1. Only the master key and proxy admins may read it (the
// caller checks); before and after never hold a secret, a secret hash or a masked secret (the policy redacts).

import type { IncomingMessage, ServerResponse } from "node:http";
import { create } from "@bufbuild/protobuf";
import { llm, metering, policy } from "@switchyard/proto";
import { connect, GatewayError } from "@switchyard/runtime";
import { matchPattern, parseTarget, wrongMethod } from "./admin-path.js";
import { sendJson } from "./http-io.js";
import { dateParam, invalid, NEXT_PAGE_HEADER, param } from "./spend.js";

/** A request for the audit log: the list, or one event by id. */
export interface AuditMatch {
  readonly query: URLSearchParams;
  /** The event id of `/audit/{id}`; undefined for the list. */
  readonly id: string | undefined;
}

/** LiteLLM's default and largest page of `/audit` are 10 and 100; Switchyard allows up to the metering limit. */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;

/** LiteLLM's table names, and the object kinds of the policy's audit events. */
const TABLES: Readonly<Record<string, string>> = {
  key: "LiteLLM_VerificationToken",
  team: "LiteLLM_TeamTable",
  user: "LiteLLM_UserTable",
  customer: "LiteLLM_EndUserTable",
};

const ROLES: Readonly<Record<policy.AuditActorRole, string>> = {
  [policy.AuditActorRole.UNSPECIFIED]: "",
  [policy.AuditActorRole.MASTER_KEY]: "master_key",
  [policy.AuditActorRole.PROXY_ADMIN]: "proxy_admin",
  [policy.AuditActorRole.TEAM_ADMIN]: "team_admin",
};

/**
 * The audit route of a request, or undefined when its path is none. Throws a 400 for a non-canonical path (as the
 * admin routes do) and a 405 for an audit path called with another method than GET.
 */
export function matchAudit(method: string | undefined, url: string | undefined): AuditMatch | undefined {
  const target = parseTarget(url);
  const id = target.path === "/audit" ? undefined : matchPattern({ prefix: "/audit/", suffix: "" }, target.path);
  if (target.path !== "/audit" && id === undefined) return undefined;
  if (method !== "GET") throw wrongMethod(method, "GET");
  return { query: target.query, id };
}

/** The object kind a `table_name` or `object_kind` parameter names. */
function kindParam(query: URLSearchParams): string {
  const given = param(query, "object_kind") ?? param(query, "table_name");
  if (given === undefined) return "";
  const kind = Object.hasOwn(TABLES, given) ? given : Object.keys(TABLES).find((k) => TABLES[k] === given);
  if (kind === undefined) {
    const names = [...Object.keys(TABLES), ...Object.values(TABLES)].join(", ");
    throw invalid(query.has("object_kind") ? "object_kind" : "table_name", `expected one of ${names}`);
  }
  return kind;
}

/** The metering filter of a `/audit` query. `changed_by=master` selects the master key's changes. */
export function auditFilterOf(query: URLSearchParams): metering.AuditFilter {
  const changedBy = param(query, "changed_by");
  const keyId = param(query, "changed_by_api_key");
  if (keyId?.startsWith("sk-")) {
    throw invalid("changed_by_api_key", "pass the key's id (key_id from /key/info), not the secret key");
  }
  const filter = create(metering.AuditFilterSchema, {
    startMs: dateParam(query, "start_date", false),
    endMs: dateParam(query, "end_date", true),
    actorRole: changedBy === "master" ? policy.AuditActorRole.MASTER_KEY : policy.AuditActorRole.UNSPECIFIED,
    actorUserId: changedBy === "master" ? "" : (changedBy ?? ""),
    actorKeyId: keyId ?? "",
    action: param(query, "action") ?? "",
    objectKind: kindParam(query),
    objectId: param(query, "object_id") ?? "",
    requestId: param(query, "request_id") ?? "",
  });
  if (filter.endMs !== 0n && filter.endMs <= filter.startMs) throw invalid("end_date", "must be after start_date");
  return filter;
}

function parsed(json: string): unknown {
  if (json === "") return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/** One audit event as a LiteLLM audit-log row, with Switchyard's extra fields. */
export function auditRow(e: policy.AuditEvent): Record<string, unknown> {
  const actor = e.actor ?? create(policy.AuditActorSchema);
  const master = actor.role === policy.AuditActorRole.MASTER_KEY;
  return {
    id: e.eventId,
    updated_at: new Date(Number(e.timeMs)).toISOString(),
    changed_by: master ? "master" : actor.userId,
    changed_by_api_key: actor.keyId === "" ? null : actor.keyId,
    actor_role: ROLES[actor.role] ?? "",
    action: e.action,
    table_name: TABLES[e.objectKind] ?? e.objectKind,
    object_kind: e.objectKind,
    object_id: e.objectId,
    before_value: parsed(e.beforeJson),
    updated_values: parsed(e.afterJson),
    request_id: e.requestId === "" ? null : e.requestId,
  };
}

function pageSizeOf(query: URLSearchParams): number {
  const size = param(query, "page_size");
  const pageSize = size === undefined ? DEFAULT_PAGE_SIZE : Number(size);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid("page_size", `expected an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const page = param(query, "page");
  if (page !== undefined && page !== "1") {
    throw invalid("page", `pages after the first are read with page_token (the ${NEXT_PAGE_HEADER} of the last page)`);
  }
  return pageSize;
}

/** Serves `/audit` and `/audit/{id}`; the caller has already checked that the principal is an admin. */
export async function serveAudit(
  match: AuditMatch,
  client: connect.ConnectClient | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  req.resume();
  if (!client) {
    throw new GatewayError({
      class: llm.ErrorClass.UNAVAILABLE,
      message: "the audit log is not configured on this gateway (no metering service)",
    });
  }
  const deadline = Date.now() + 30_000;
  const method = metering.MeteringService.method.listAuditLogs;
  if (match.id !== undefined) {
    const request = create(metering.ListAuditLogsRequestSchema, { filter: { eventId: match.id }, pageSize: 1 });
    const { value } = await connect.callUnary(client, method, request, { deadline });
    const [event] = value.events;
    if (!event) {
      throw new GatewayError({
        class: llm.ErrorClass.NOT_FOUND,
        message: "audit log entry not found",
        code: "not_found",
        param: "id",
      });
    }
    return sendJson(res, 200, JSON.stringify(auditRow(event)), headers);
  }
  const pageSize = pageSizeOf(match.query);
  const request = create(metering.ListAuditLogsRequestSchema, {
    filter: auditFilterOf(match.query),
    pageSize,
    pageToken: param(match.query, "page_token") ?? "",
  });
  const { value } = await connect.callUnary(client, method, request, { deadline });
  const out = value.nextPageToken ? { ...headers, [NEXT_PAGE_HEADER]: value.nextPageToken } : headers;
  const body = {
    audit_logs: value.events.map(auditRow),
    page_size: pageSize,
    next_page_token: value.nextPageToken === "" ? null : value.nextPageToken,
  };
  return sendJson(res, 200, JSON.stringify(body), out);
}
