// The one ClickHouse client of the service. Tables are always qualified with the database (the client's own
// `database` option would fail before the first migration creates it), and every statement is an `Sql` fragment.

import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { ident, type Sql, sql } from "./sql.js";
import { toTsv } from "./tsv.js";

/** The tables the service owns. */
export type TableName =
  | "schema_migrations"
  | "usage_events"
  | "spend_minute"
  | "spend_minutely"
  | "spend_hourly"
  | "spend_daily"
  | "audit_log"
  | "rollup_pending";

/** Where ClickHouse is and how long one request may take. */
export interface StoreOptions {
  url: string;
  username: string;
  password: string;
  database: string;
  /** A request that takes longer fails (and is retried by the caller); default 30 s. */
  requestTimeoutMs?: number;
}

/** ClickHouse as the service uses it. */
export interface Store {
  /** The database, as an identifier. */
  readonly database: Sql;
  /** `database`.`table`. */
  table(name: TableName): Sql;
  /** Runs a SELECT and returns its rows as JSON objects (64-bit integers arrive as decimal strings). */
  rows<T>(query: Sql): Promise<T[]>;
  /** Runs a statement that returns nothing (DDL, INSERT ... SELECT). */
  command(query: Sql): Promise<void>;
  /** Inserts rows (TabSeparated, see tsv.ts); the first row's keys name the columns, and every row has them all. */
  insert(table: TableName, rows: readonly object[]): Promise<void>;
  /** Inserts a TabSeparated body (see tsv.ts) whose lines hold `columns` in order. */
  insertTsv(table: TableName, columns: readonly string[], body: Buffer): Promise<void>;
  close(): Promise<void>;
}

/**
 * Statements carry their values as literals (see sql.ts), and a batch's recompute lists every touched id, so the
 * parser limit is raised from 256 KiB; 18.16 accepts the setting.
 */
const MAX_QUERY_BYTES = 16 * 1024 * 1024;

/** Creates the ClickHouse client; it connects lazily, so this never fails on an unreachable server. */
export function createStore(options: StoreOptions): Store {
  const database = ident(options.database);
  const client = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    application: "switchyard-metering",
    request_timeout: options.requestTimeoutMs ?? 30_000,
    clickhouse_settings: { max_query_size: String(MAX_QUERY_BYTES) },
    // Failures are retried and logged by the caller, with context; the client's own ERROR lines would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });
  async function insertTsv(table: TableName, columns: readonly string[], body: Buffer): Promise<void> {
    if (body.length === 0) return;
    await client.insert({
      table: `${database.text}.${ident(table).text}`,
      columns: columns.map((c) => ident(c).text) as [string, ...string[]],
      values: Readable.from([body], { objectMode: false }),
      format: "TabSeparated",
    });
  }
  return {
    database,
    table: (name) => sql`${database}.${ident(name)}`,
    async rows<T>(query: Sql): Promise<T[]> {
      const result = await client.query({ query: query.text, format: "JSONEachRow" });
      return result.json<T>();
    },
    async command(query) {
      await client.command({ query: query.text });
    },
    async insert(table, rows) {
      const [first] = rows;
      if (first === undefined) return;
      const columns = Object.keys(first);
      await insertTsv(table, columns, Buffer.from(toTsv(columns, rows)));
    },
    insertTsv,
    close: () => client.close(),
  };
}
