// A usage event as a usage_events row and back. 64-bit integers travel as decimal strings in both directions
// (ClickHouse reads quoted numbers in JSONEachRow and quotes 64-bit integers in its JSON output), so no money or
// timestamp ever passes through a float.

import { create } from "@bufbuild/protobuf";
import { metering } from "@switchyard/proto";

const MINUTE_MS = 60_000;
/** The last millisecond ClickHouse's Date type can hold (2105-12-31T23:59:59.999Z). */
const LAST_MS = Date.UTC(2105, 11, 31, 23, 59, 59, 999);

/** A usage_events row as inserted (JSONEachRow). */
export interface EventRow {
  event_id: string;
  request_id: string;
  attempt: number;
  started_at_ms: string;
  ended_at_ms: string;
  day: string;
  minute: number;
  key_id: string;
  key_alias: string;
  team_id: string;
  user_id: string;
  end_user: string;
  tags: string[];
  metadata_keys: string[];
  metadata_values: string[];
  requested_model: string;
  model_group: string;
  deployment_id: string;
  provider: string;
  upstream_model: string;
  fallback_depth: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  prompt_audio_tokens: number;
  completion_audio_tokens: number;
  image_tokens: number;
  tokens_estimated: number;
  /** Added by migration 4; rows stored before it read 0. */
  audio_millis: number;
  queries: number;
  cost_nanos: string;
  price_version: string;
  latency_ms: number;
  ttft_ms: number;
  stream: number;
  status: number;
  error_class: number;
  http_status: number;
  cache_hit: number;
  operation: string;
  instance: string;
}

/** A usage_events row as ClickHouse returns it: the same fields, numbers possibly quoted. */
export type StoredRow = { [K in keyof EventRow]: EventRow[K] extends number ? number | string : EventRow[K] };

/** The columns read back for spend logs, in the order of `EventRow`. */
export const EVENT_COLUMNS: readonly (keyof EventRow)[] = [
  "event_id",
  "request_id",
  "attempt",
  "started_at_ms",
  "ended_at_ms",
  "day",
  "minute",
  "key_id",
  "key_alias",
  "team_id",
  "user_id",
  "end_user",
  "tags",
  "metadata_keys",
  "metadata_values",
  "requested_model",
  "model_group",
  "deployment_id",
  "provider",
  "upstream_model",
  "fallback_depth",
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "prompt_audio_tokens",
  "completion_audio_tokens",
  "image_tokens",
  "tokens_estimated",
  "audio_millis",
  "queries",
  "cost_nanos",
  "price_version",
  "latency_ms",
  "ttft_ms",
  "stream",
  "status",
  "error_class",
  "http_status",
  "cache_hit",
  "operation",
  "instance",
];

/** An instant clamped into the range ClickHouse's Date can hold, so day and minute are always storable. */
export function storableMs(ms: number | bigint): number {
  const n = Number(ms);
  return Math.min(Math.max(n, 0), LAST_MS);
}

let lastDay = { from: 0, to: -1, day: "" };

/** The UTC day an event is counted on: its start, clamped (a function of the event alone). */
export function dayOf(ms: number | bigint): string {
  const at = storableMs(ms);
  // Events of one batch mostly share a day: remember the last one instead of formatting a date per event.
  if (at < lastDay.from || at > lastDay.to) {
    const from = at - (at % 86_400_000);
    lastDay = { from, to: from + 86_399_999, day: new Date(at).toISOString().slice(0, 10) };
  }
  return lastDay.day;
}

/** Unix minutes of an event's start, clamped like `dayOf`. */
export function minuteOf(ms: number | bigint): number {
  return Math.floor(storableMs(ms) / MINUTE_MS);
}

/** The row of an event; `id` replaces an empty event_id (the message id or stream sequence, stable on redelivery). */
export function toRow(event: metering.UsageEvent, id: string): EventRow {
  const caller = event.caller ?? create(metering.CallerSchema);
  const route = event.route ?? create(metering.RouteSchema);
  const tokens = event.tokens ?? create(metering.TokensSchema);
  const metadata = Object.entries(caller.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    event_id: event.eventId || id,
    request_id: event.requestId,
    attempt: event.attempt,
    started_at_ms: event.startedAtMs.toString(),
    ended_at_ms: event.endedAtMs.toString(),
    day: dayOf(event.startedAtMs),
    minute: minuteOf(event.startedAtMs),
    key_id: caller.keyId,
    key_alias: caller.keyAlias,
    team_id: caller.teamId,
    user_id: caller.userId,
    end_user: caller.endUser,
    tags: [...caller.tags],
    metadata_keys: metadata.map(([k]) => k),
    metadata_values: metadata.map(([, v]) => v),
    requested_model: route.requestedModel,
    model_group: route.modelGroup,
    deployment_id: route.deploymentId,
    provider: route.provider,
    upstream_model: route.upstreamModel,
    fallback_depth: route.fallbackDepth,
    prompt_tokens: tokens.prompt,
    completion_tokens: tokens.completion,
    cache_read_tokens: tokens.cacheRead,
    cache_write_tokens: tokens.cacheWrite,
    reasoning_tokens: tokens.reasoning,
    prompt_audio_tokens: tokens.promptAudio,
    completion_audio_tokens: tokens.completionAudio,
    image_tokens: tokens.images,
    tokens_estimated: tokens.estimated ? 1 : 0,
    audio_millis: tokens.audioMillis,
    queries: tokens.queries,
    cost_nanos: event.costNanos.toString(),
    price_version: event.priceVersion,
    latency_ms: event.latencyMs,
    ttft_ms: event.ttftMs,
    stream: event.stream ? 1 : 0,
    status: event.status,
    error_class: event.errorClass,
    http_status: event.httpStatus,
    cache_hit: event.cacheHit ? 1 : 0,
    operation: event.operation,
    instance: event.instance,
  };
}

/** Reads an unsigned 64-bit integer that ClickHouse returned as a decimal string (or a small number). */
export function u64(value: unknown): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^(0|[1-9]\d{0,19})$/.test(value)) {
    const big = BigInt(value);
    if (big < 1n << 64n) return big;
  }
  throw new Error(`expected a UInt64 from ClickHouse, got ${JSON.stringify(value)}`);
}

/** Reads a signed 64-bit integer that ClickHouse returned as a decimal string (or a small number). */
export function i64(value: unknown): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?(0|[1-9]\d{0,18})$/.test(value)) {
    const big = BigInt(value);
    if (big >= -(1n << 63n) && big < 1n << 63n) return big;
  }
  throw new Error(`expected an Int64 from ClickHouse, got ${JSON.stringify(value)}`);
}

function n(value: number | string): number {
  return Number(value);
}

/** The usage event a stored row describes. */
export function fromRow(row: StoredRow): metering.UsageEvent {
  const metadata: Record<string, string> = {};
  row.metadata_keys.forEach((k, i) => {
    metadata[k] = row.metadata_values[i] ?? "";
  });
  return create(metering.UsageEventSchema, {
    eventId: row.event_id,
    requestId: row.request_id,
    attempt: n(row.attempt),
    startedAtMs: i64(row.started_at_ms),
    endedAtMs: i64(row.ended_at_ms),
    caller: {
      keyId: row.key_id,
      keyAlias: row.key_alias,
      teamId: row.team_id,
      userId: row.user_id,
      endUser: row.end_user,
      tags: row.tags,
      metadata,
    },
    route: {
      requestedModel: row.requested_model,
      modelGroup: row.model_group,
      deploymentId: row.deployment_id,
      provider: row.provider,
      upstreamModel: row.upstream_model,
      fallbackDepth: n(row.fallback_depth),
    },
    tokens: {
      prompt: n(row.prompt_tokens),
      completion: n(row.completion_tokens),
      cacheRead: n(row.cache_read_tokens),
      cacheWrite: n(row.cache_write_tokens),
      reasoning: n(row.reasoning_tokens),
      promptAudio: n(row.prompt_audio_tokens),
      completionAudio: n(row.completion_audio_tokens),
      images: n(row.image_tokens),
      estimated: n(row.tokens_estimated) === 1,
      audioMillis: n(row.audio_millis),
      queries: n(row.queries),
    },
    costNanos: u64(row.cost_nanos),
    priceVersion: row.price_version,
    latencyMs: n(row.latency_ms),
    ttftMs: n(row.ttft_ms),
    stream: n(row.stream) === 1,
    status: n(row.status),
    errorClass: n(row.error_class),
    httpStatus: n(row.http_status),
    cacheHit: n(row.cache_hit) === 1,
    operation: row.operation,
    instance: row.instance,
  });
}
