// Admin spend APIs under LiteLLM's paths, answered by the metering service from ClickHouse:
//
//   GET /spend/logs?start_date&end_date&key_id|api_key&team_id&user_id&end_user&model&request_id&page_size&page_token
//   GET /global/spend/report?start_date&end_date&group_by=team|key|api_key|user|customer|end_user|model|provider
//
// Dates are UTC days (YYYY-MM-DD, both ends inclusive) or ISO 8601 timestamps (end exclusive). Money is
// reported both as LiteLLM's float dollars (`spend`, `total_spend`, `total_cost`) and as exact integer
// nano-dollars in a string (`*_nanos`), which is what to add up.

import type { IncomingMessage, ServerResponse } from "node:http";
import { create } from "@bufbuild/protobuf";
import { formatUsd } from "@switchyard/pricing";
import { llm, metering } from "@switchyard/proto";
import { connect, GatewayError } from "@switchyard/runtime";
import { sendJson } from "./http-io.js";

/** The header carrying the token of the next /spend/logs page; absent on the last page. */
export const NEXT_PAGE_HEADER = "x-switchyard-next-page-token";
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const MAX_PARAM = 512;

/** An invalid-request error naming the query parameter. */
export function invalid(param: string, message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message: `${param}: ${message}`, param });
}

/** Reads one query parameter: absent, or a string of bounded length given once. */
export function param(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length === 0 || values[0] === "") return undefined;
  if (values.length > 1) throw invalid(name, "given more than once");
  if (values[0]!.length > MAX_PARAM) throw invalid(name, `longer than ${MAX_PARAM} characters`);
  return values[0];
}

/** A date bound in unix ms: a UTC day (the end of an `end` day is the next midnight) or an ISO timestamp. */
export function dateParam(query: URLSearchParams, name: string, end: boolean): bigint {
  const value = param(query, name);
  if (value === undefined) return 0n;
  const day = DAY.test(value);
  const ms = day ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  // Date.parse rolls 2024-02-31 over to March: a day must print back as itself.
  if (day && Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) !== value) {
    throw invalid(name, `"${value}" is not a calendar day`);
  }
  if (!Number.isFinite(ms) || ms < 0)
    throw invalid(name, `expected YYYY-MM-DD or an ISO 8601 timestamp, got "${value}"`);
  return BigInt(day && end ? ms + DAY_MS : ms);
}

/** The filter shared by both routes. */
function filterOf(query: URLSearchParams): metering.SpendFilter {
  const keyId = param(query, "key_id") ?? param(query, "api_key");
  if (keyId?.startsWith("sk-")) {
    throw invalid("api_key", "pass the key's id (key_id from /key/info), not the secret key");
  }
  const filter = create(metering.SpendFilterSchema, {
    startMs: dateParam(query, "start_date", false),
    endMs: dateParam(query, "end_date", true),
    keyId: keyId ?? "",
    teamId: param(query, "team_id") ?? "",
    userId: param(query, "user_id") ?? param(query, "internal_user_id") ?? "",
    endUser: param(query, "end_user") ?? param(query, "customer_id") ?? "",
    modelGroup: param(query, "model") ?? "",
    provider: param(query, "provider") ?? "",
    requestId: param(query, "request_id") ?? "",
  });
  if (filter.endMs !== 0n && filter.endMs <= filter.startMs) throw invalid("end_date", "must be after start_date");
  return filter;
}

function dollars(nanos: bigint): number {
  return Number(formatUsd(nanos));
}

const STATUS = ["unspecified", "success", "failure", "cancelled"] as const;

/**
 * One usage event as a LiteLLM spend-log row, with Switchyard's extra fields: the token classes, and the units billed
 * other than by the token (`audio_millis`, audio billed per second, in milliseconds; `queries`, rerank search units).
 */
export function spendLogRow(e: metering.UsageEvent): Record<string, unknown> {
  const t = e.tokens ?? create(metering.TokensSchema);
  const r = e.route ?? create(metering.RouteSchema);
  const c = e.caller ?? create(metering.CallerSchema);
  return {
    request_id: e.requestId,
    event_id: e.eventId,
    attempt: e.attempt,
    call_type: e.operation,
    api_key: c.keyId,
    spend: dollars(e.costNanos),
    spend_nanos: e.costNanos.toString(),
    total_tokens: t.prompt + t.completion,
    prompt_tokens: t.prompt,
    completion_tokens: t.completion,
    cache_read_tokens: t.cacheRead,
    cache_write_tokens: t.cacheWrite,
    reasoning_tokens: t.reasoning,
    prompt_audio_tokens: t.promptAudio,
    completion_audio_tokens: t.completionAudio,
    image_tokens: t.images,
    audio_millis: t.audioMillis,
    queries: t.queries,
    tokens_estimated: t.estimated,
    startTime: new Date(Number(e.startedAtMs)).toISOString(),
    endTime: new Date(Number(e.endedAtMs)).toISOString(),
    completionStartTime: e.ttftMs ? new Date(Number(e.startedAtMs) + e.ttftMs).toISOString() : null,
    model: r.upstreamModel,
    model_group: r.modelGroup,
    requested_model: r.requestedModel,
    model_id: r.deploymentId,
    custom_llm_provider: r.provider,
    fallback_depth: r.fallbackDepth,
    user: c.userId,
    team_id: c.teamId,
    end_user: c.endUser,
    request_tags: c.tags,
    metadata: c.metadata,
    cache_hit: e.cacheHit,
    stream: e.stream,
    status: STATUS[e.status] ?? "unspecified",
    error_class: e.errorClass ? llm.ErrorClass[e.errorClass] : null,
    http_status: e.httpStatus,
    latency_ms: e.latencyMs,
    price_version: e.priceVersion,
  };
}

/** LiteLLM's group_by values and Switchyard's own, with the field names of each group in the answer. */
const GROUPS: Record<string, { by: metering.GroupBy; list: string; name: string }> = {
  team: { by: metering.GroupBy.TEAM, list: "teams", name: "team_name" },
  customer: { by: metering.GroupBy.END_USER, list: "customers", name: "customer" },
  end_user: { by: metering.GroupBy.END_USER, list: "customers", name: "customer" },
  api_key: { by: metering.GroupBy.KEY, list: "api_keys", name: "api_key" },
  key: { by: metering.GroupBy.KEY, list: "api_keys", name: "api_key" },
  user: { by: metering.GroupBy.USER, list: "users", name: "user" },
  model: { by: metering.GroupBy.MODEL, list: "models", name: "model" },
  provider: { by: metering.GroupBy.PROVIDER, list: "providers", name: "provider" },
};

/** Renders report rows as LiteLLM does: one entry per day, each listing its groups. */
export function renderReport(rows: readonly metering.SpendRow[], groups: { list: string; name: string }): unknown[] {
  const days = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const list = days.get(row.day) ?? [];
    if (list.length === 0) days.set(row.day, list);
    list.push({
      [groups.name]: row.group,
      total_spend: dollars(row.costNanos),
      total_spend_nanos: row.costNanos.toString(),
      requests: Number(row.requests),
      prompt_tokens: Number(row.promptTokens),
      completion_tokens: Number(row.completionTokens),
      cache_read_tokens: Number(row.cacheReadTokens),
      cache_write_tokens: Number(row.cacheWriteTokens),
      reasoning_tokens: Number(row.reasoningTokens),
      audio_millis: Number(row.audioMillis),
      queries: Number(row.queries),
    });
  }
  return [...days].map(([day, list]) => ({ group_by_day: `${day}T00:00:00+00:00`, [groups.list]: list }));
}

/** Serves the spend routes; the caller has already checked that the principal is an admin. */
export async function serveSpend(
  route: "logs" | "report",
  client: connect.ConnectClient | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  req.resume();
  if (!client) {
    throw new GatewayError({
      class: llm.ErrorClass.UNAVAILABLE,
      message: "spend tracking is not configured on this gateway (no metering service)",
    });
  }
  const query = new URL(req.url ?? "/", "http://localhost").searchParams;
  const filter = filterOf(query);
  const deadline = Date.now() + 30_000;
  if (route === "logs") {
    const size = param(query, "page_size");
    const pageSize = size === undefined ? 100 : Number(size);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw invalid("page_size", "expected an integer from 1 to 1000");
    }
    const request = create(metering.ListSpendLogsRequestSchema, {
      filter,
      pageSize,
      pageToken: param(query, "page_token") ?? "",
    });
    const { value } = await connect.callUnary(client, metering.MeteringService.method.listSpendLogs, request, {
      deadline,
    });
    const out = value.nextPageToken ? { ...headers, [NEXT_PAGE_HEADER]: value.nextPageToken } : headers;
    return sendJson(res, 200, JSON.stringify(value.events.map(spendLogRow)), out);
  }
  const groupBy = param(query, "group_by") ?? "team";
  const groups = Object.hasOwn(GROUPS, groupBy) ? GROUPS[groupBy] : undefined;
  if (!groups) throw invalid("group_by", `expected one of ${Object.keys(GROUPS).join(", ")}, got "${groupBy}"`);
  const request = create(metering.SpendReportRequestSchema, { filter, groupBy: groups.by });
  const { value } = await connect.callUnary(client, metering.MeteringService.method.spendReport, request, { deadline });
  return sendJson(res, 200, JSON.stringify(renderReport(value.rows, groups)), headers);
}
