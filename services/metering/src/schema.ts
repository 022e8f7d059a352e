// The ClickHouse schema, as versioned migrations that run at startup. Every step is idempotent (IF NOT EXISTS, or a
// column added only when missing), so a migration interrupted by a crash is simply run again, and two replicas
// starting at once do no harm. The SQL is what ClickHouse 18.16 (Debian's) understands: no Map, LowCardinality or
// DateTime64, no ADD COLUMN IF NOT EXISTS; times are integer unix milliseconds and days are computed in UTC by the
// service, never by the server's timezone.

import type { Logger } from "@switchyard/runtime";
import { ident, int, type Sql, sql, str, uint } from "./sql.js";
import type { Store, TableName } from "./store.js";

/** A column a migration adds to an existing table. */
export interface NewColumn {
  readonly table: TableName;
  readonly name: string;
  /** The ClickHouse type; new columns read as its default (0 for numbers) in rows written before. */
  readonly type: Sql;
}

/** One schema change: idempotent statements, then the columns it adds, in order. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  statements?(store: Store): Sql[];
  readonly columns?: readonly NewColumn[];
  /** Runs last, for steps that depend on what the database holds. */
  run?(store: Store): Promise<void>;
}

/**
 * rollup_pending: the minutes whose events are stored and acknowledged but whose rollups (and live spend) may not be
 * recomputed yet (ingest.ts). A batch marks its minutes pending (done = 0) before it is acknowledged; a recompute marks
 * them done with the time it started reading, so a minute marked pending after that stays pending. ReplacingMergeTree
 * keeps the latest mark per minute, so the table holds one row per minute ever touched; a starting service recomputes
 * the minutes still pending, which a crash left behind.
 */
function rollupPending(store: Store): Sql {
  return sql`CREATE TABLE IF NOT EXISTS ${store.table("rollup_pending")} (
  minute UInt32,
  day Date,
  at_ms UInt64,
  done UInt8
) ENGINE = ReplacingMergeTree(at_ms)
PARTITION BY toYYYYMM(day)
ORDER BY (day, minute)`;
}

/**
 * usage_events: one row per usage event. ReplacingMergeTree collapses rows with the same sorting key within a
 * partition; `minute` and `day` are derived from the event alone, so every delivery of an event lands in the same
 * partition with the same key and collapses. Until a background merge has run, queries deduplicate with FINAL.
 */
function usageEvents(store: Store): Sql {
  return sql`CREATE TABLE IF NOT EXISTS ${store.table("usage_events")} (
  event_id String,
  request_id String,
  attempt UInt32,
  started_at_ms Int64,
  ended_at_ms Int64,
  day Date,
  minute UInt32,
  key_id String,
  key_alias String,
  team_id String,
  user_id String,
  end_user String,
  tags Array(String),
  metadata_keys Array(String),
  metadata_values Array(String),
  requested_model String,
  model_group String,
  deployment_id String,
  provider String,
  upstream_model String,
  fallback_depth UInt32,
  prompt_tokens UInt32,
  completion_tokens UInt32,
  cache_read_tokens UInt32,
  cache_write_tokens UInt32,
  reasoning_tokens UInt32,
  prompt_audio_tokens UInt32,
  completion_audio_tokens UInt32,
  image_tokens UInt32,
  tokens_estimated UInt8,
  cost_nanos UInt64,
  price_version String,
  latency_ms UInt32,
  ttft_ms UInt32,
  stream UInt8,
  status Int32,
  error_class Int32,
  http_status UInt32,
  cache_hit UInt8,
  operation String,
  instance String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (minute, event_id)`;
}

/**
 * Rollups: totals per dimension value, per minute, hour and UTC day. A row is never incremented; it is recomputed
 * from the level below (the deduplicated events for minutes) and inserted again, and ReplacingMergeTree keeps the
 * version with the most events. Events only ever accumulate, so a recompute that saw more events saw a superset: the
 * largest count is the most complete (and equal counts mean equal totals), whichever replica wrote it and in
 * whichever order. The minute and hour tables are read by time range (rollup.ts), so time leads their sorting key;
 * the day table is read by value (spend reports), so value leads its key. `spend_minute` (version 2, sorted by value)
 * was replaced by `spend_minutely` in version 6.
 */
function rollup(store: Store, table: "spend_minute" | "spend_minutely" | "spend_hourly" | "spend_daily"): Sql {
  const time = {
    spend_minute: sql`minute UInt32,\n  day Date`,
    spend_minutely: sql`minute UInt32,\n  day Date`,
    spend_hourly: sql`hour UInt32,\n  day Date`,
    spend_daily: sql`day Date`,
  }[table];
  const order = {
    spend_minute: sql`dimension, value, minute`,
    spend_minutely: sql`minute, dimension, value`,
    spend_hourly: sql`hour, dimension, value`,
    spend_daily: sql`dimension, value, day`,
  }[table];
  // Tables created before version 4 get these two columns from it.
  const units =
    table === "spend_minute" || table === "spend_daily" ? sql`` : sql`,\n  audio_millis UInt64,\n  queries UInt64`;
  return sql`CREATE TABLE IF NOT EXISTS ${store.table(table)} (
  dimension String,
  value String,
  ${time},
  events UInt64,
  cost_nanos UInt64,
  prompt_tokens UInt64,
  completion_tokens UInt64,
  cache_read_tokens UInt64,
  cache_write_tokens UInt64,
  reasoning_tokens UInt64${units}
) ENGINE = ReplacingMergeTree(events)
PARTITION BY toYYYYMM(day)
ORDER BY (${order})`;
}

// Spelled out here, not shared with rollup.ts: a shipped migration must keep copying exactly these columns.
const ROLLUP_COLUMNS = sql`events, cost_nanos, prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens,
  reasoning_tokens, audio_millis, queries`;
const ROLLUP_SUMS = sql`sum(events), sum(cost_nanos), sum(prompt_tokens), sum(completion_tokens),
  sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(audio_millis), sum(queries)`;

/**
 * Version 6: the minute rollup sorted by time, and an hour level between minutes and days, so a recompute late in a
 * day reads at most 60 minute rows and 24 hour rows per value instead of up to 1,440 minute rows (rollup.ts). The
 * new tables are filled from `spend_minute` (FINAL: its current versions), which is then dropped. Re-running it after
 * a crash inserts the same versions again, which collapse.
 */
async function timeOrderedRollups(store: Store): Promise<void> {
  await store.command(rollup(store, "spend_minutely"));
  await store.command(rollup(store, "spend_hourly"));
  const old = store.table("spend_minute");
  const oldExists = async () => {
    const [row] = await store.rows<{ result: number | string }>(sql`EXISTS TABLE ${old}`);
    return Number(row?.result) === 1;
  };
  // Gone when a previous run of this step, or another replica's, got as far as dropping it.
  if (!(await oldExists())) return;
  try {
    await store.command(sql`INSERT INTO ${store.table("spend_minutely")} (dimension, value, minute, day, ${ROLLUP_COLUMNS})
SELECT dimension, value, minute, day, ${ROLLUP_COLUMNS} FROM ${old} FINAL`);
    await store.command(sql`INSERT INTO ${store.table("spend_hourly")} (dimension, value, hour, day, ${ROLLUP_COLUMNS})
SELECT dimension, value, intDiv(minute, 60), any(day), ${ROLLUP_SUMS} FROM ${old} FINAL
GROUP BY dimension, value, intDiv(minute, 60)`);
    await store.command(sql`DROP TABLE IF EXISTS ${old}`);
  } catch (err) {
    // Another replica dropped it meanwhile, after copying it whole: done.
    if (await oldExists()) throw err;
  }
}

/**
 * audit_log: one row per admin audit event (switchyard.policy.v1.AuditEvent). ReplacingMergeTree collapses the rows
 * of one event: its time and id are the sorting key and `day` is derived from its time, so every delivery of an
 * event lands in the same partition with the same key. Queries read it with FINAL. Before and after are the
 * redacted JSON the policy published; nothing here ever holds a secret.
 */
function auditLog(store: Store): Sql {
  return sql`CREATE TABLE IF NOT EXISTS ${store.table("audit_log")} (
  event_id String,
  time_ms Int64,
  day Date,
  actor_role String,
  actor_key_id String,
  actor_user_id String,
  action String,
  object_kind String,
  object_id String,
  before_json String,
  after_json String,
  request_id String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (time_ms, event_id)`;
}

/** The migrations, in version order; append only. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: "usage events", statements: (store) => [usageEvents(store)] },
  {
    version: 2,
    description: "per-minute and per-day spend rollups",
    statements: (store) => [rollup(store, "spend_minute"), rollup(store, "spend_daily")],
  },
  { version: 3, description: "admin audit log", statements: (store) => [auditLog(store)] },
  {
    version: 4,
    description: "audio seconds and rerank queries",
    columns: [
      { table: "usage_events", name: "audio_millis", type: sql`UInt32` },
      { table: "usage_events", name: "queries", type: sql`UInt32` },
      ...(["spend_minute", "spend_daily"] as const).flatMap((table) => [
        { table, name: "audio_millis", type: sql`UInt64` },
        { table, name: "queries", type: sql`UInt64` },
      ]),
    ],
  },
  { version: 5, description: "minutes awaiting their rollup", statements: (store) => [rollupPending(store)] },
  { version: 6, description: "time-ordered minute and hour rollups", run: timeOrderedRollups },
];

async function hasColumn(store: Store, column: NewColumn): Promise<boolean> {
  const columns = await store.rows<{ name: string }>(sql`DESCRIBE TABLE ${store.table(column.table)}`);
  return columns.some((c) => c.name === column.name);
}

/**
 * Adds a column unless the table has it. ClickHouse 18.16 rejects `ADD COLUMN IF NOT EXISTS` (a syntax error) and a
 * second `ADD COLUMN` of one name, so the table is asked first; an ALTER that fails because another replica added the
 * column meanwhile counts as done.
 */
async function addColumn(store: Store, column: NewColumn): Promise<void> {
  if (await hasColumn(store, column)) return;
  try {
    await store.command(sql`ALTER TABLE ${store.table(column.table)} ADD COLUMN ${ident(column.name)} ${column.type}`);
  } catch (err) {
    if (!(await hasColumn(store, column))) throw err;
  }
}

/** Brings the schema up to date: creates the database, then runs every migration not yet recorded, in order. */
export async function migrate(store: Store, log: Logger, migrations = MIGRATIONS): Promise<number[]> {
  await store.command(sql`CREATE DATABASE IF NOT EXISTS ${store.database}`);
  await store.command(sql`CREATE TABLE IF NOT EXISTS ${store.table("schema_migrations")} (
  version UInt32,
  description String,
  applied_at_ms Int64
) ENGINE = ReplacingMergeTree()
ORDER BY version`);
  const rows = await store.rows<{ version: number }>(
    sql`SELECT version FROM ${store.table("schema_migrations")} FINAL ORDER BY version`,
  );
  const applied = new Set(rows.map((r) => Number(r.version)));
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) log.warn({ newest, known }, "schema is newer than this service: an older binary is running");
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements?.(store) ?? []) await store.command(statement);
    for (const column of migration.columns ?? []) await addColumn(store, column);
    await migration.run?.(store);
    await store.command(sql`INSERT INTO ${store.table("schema_migrations")} (version, description, applied_at_ms)
VALUES (${uint(migration.version)}, ${str(migration.description)}, ${int(Date.now())})`);
    log.info({ version: migration.version, description: migration.description }, "schema migrated");
    ran.push(migration.version);
  }
  return ran;
}
