import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, equals } from "@bufbuild/protobuf";
import { type ClickHouseServer, startClickHouse } from "@switchyard/launcher";
import { metering } from "@switchyard/proto";
import { spendReport } from "./queries.js";
import { emptyTouched, recompute, touch } from "./rollup.js";
import { toRow } from "./rows.js";
import { MIGRATIONS, migrate } from "./schema.js";
import { sql, str } from "./sql.js";
import { createStore, type Store } from "./store.js";
import { allLogs, makeEvent, testLog } from "./testkit.js";

describe("schema migrations on ClickHouse 18.16", () => {
  let clickhouse: ClickHouseServer;
  const stores: Store[] = [];
  const storeFor = (database: string) => {
    const store = createStore({ url: clickhouse.url, username: "default", password: "", database });
    stores.push(store);
    return store;
  };

  before(async () => {
    clickhouse = await startClickHouse();
  });
  after(async () => {
    for (const store of stores) await store.close();
    await clickhouse?.stop();
  });

  it("creates every table once, records the versions, and does nothing when run again", async () => {
    const store = storeFor("migrate_twice");
    assert.deepEqual(await migrate(store, testLog), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(await migrate(store, testLog), []);
    const tables = await store.rows<{ name: string; engine: string }>(
      sql`SELECT name, engine FROM system.tables WHERE database = ${str("migrate_twice")} ORDER BY name`,
    );
    assert.deepEqual(tables, [
      { name: "audit_log", engine: "ReplacingMergeTree" },
      { name: "rollup_pending", engine: "ReplacingMergeTree" },
      { name: "schema_migrations", engine: "ReplacingMergeTree" },
      { name: "spend_daily", engine: "ReplacingMergeTree" },
      { name: "spend_hourly", engine: "ReplacingMergeTree" },
      { name: "spend_minutely", engine: "ReplacingMergeTree" },
      { name: "usage_events", engine: "ReplacingMergeTree" },
    ]);
    const versions = await store.rows<{ version: number }>(
      sql`SELECT version FROM ${store.table("schema_migrations")} FINAL ORDER BY version`,
    );
    assert.deepEqual(
      versions.map((v) => v.version),
      MIGRATIONS.map((m) => m.version),
    );
  });

  it("lets two replicas migrate the same database at once", async () => {
    const [a, b] = [storeFor("migrate_race"), storeFor("migrate_race")];
    await Promise.all([migrate(a, testLog), migrate(b, testLog)]);
    assert.deepEqual(await migrate(a, testLog), []);
  });

  it("runs only the migrations a database has not seen", async () => {
    const store = storeFor("migrate_later");
    assert.deepEqual(await migrate(store, testLog, MIGRATIONS.slice(0, 1)), [1]);
    assert.deepEqual(await migrate(store, testLog), [2, 3, 4, 5, 6]);
  });

  it("upgrades a v3 database in place: old rows read 0 audio seconds and queries, new rows keep theirs", async () => {
    const store = storeFor("upgrade_v3");
    assert.deepEqual(await migrate(store, testLog, MIGRATIONS.slice(0, 3)), [1, 2, 3]);
    // Rows as the v3 service wrote them: no audio_millis or queries columns yet.
    const old = makeEvent(1, { tokens: create(metering.TokensSchema, { prompt: 10, completion: 2 }) });
    const { audio_millis: _a, queries: _q, ...v3Row } = toRow(old, old.eventId);
    await store.insert("usage_events", [v3Row]);
    const v3Daily = { dimension: "model", value: "gpt", day: v3Row.day, events: "1", cost_nanos: v3Row.cost_nanos };
    await store.insert("spend_daily", [v3Daily]);

    // Two replicas of the new version start together on it.
    const twin = storeFor("upgrade_v3");
    const ran = await Promise.all([migrate(store, testLog), migrate(twin, testLog)]);
    assert.deepEqual(ran.flat(), [4, 5, 6, 4, 5, 6], "both ran migrations 4 to 6, neither failed on the other's steps");
    assert.deepEqual(await migrate(store, testLog), []);
    for (const table of ["usage_events", "spend_minutely", "spend_hourly", "spend_daily"]) {
      const columns = await store.rows<{ name: string; type: string }>(
        sql`SELECT name, type FROM system.columns WHERE database = ${str("upgrade_v3")} AND table = ${str(table)}
AND name IN ('audio_millis', 'queries') ORDER BY name`,
      );
      const wide = table === "usage_events" ? "UInt32" : "UInt64";
      assert.deepEqual(columns, [
        { name: "audio_millis", type: wide },
        { name: "queries", type: wide },
      ]);
    }
    const [daily] = await store.rows<{ audio_millis: string; queries: string }>(
      sql`SELECT audio_millis, queries FROM ${store.table("spend_daily")} FINAL`,
    );
    assert.deepEqual(daily, { audio_millis: "0", queries: "0" }, "a v3 rollup row reads zeros");

    const fresh = makeEvent(2, {
      tokens: create(metering.TokensSchema, { prompt: 5, audioMillis: 61_500, queries: 2 }),
    });
    const rows = [v3Row, toRow(fresh, fresh.eventId)];
    await store.insert("usage_events", rows.slice(1));
    const touched = emptyTouched();
    for (const row of rows) touch(touched, row);
    await recompute(store, touched);
    const logs = await allLogs(store);
    assert.deepEqual(
      logs.map((e) => [e.eventId, e.tokens?.audioMillis, e.tokens?.queries]),
      [
        [fresh.eventId, 61_500, 2],
        [old.eventId, 0, 0],
      ],
    );
    assert.ok(equals(metering.UsageEventSchema, logs[0]!, fresh));
    const report = await spendReport(store, create(metering.SpendReportRequestSchema));
    assert.deepEqual(
      report.rows.map((r) => [r.requests, r.audioMillis, r.queries]),
      [[2n, 61_500n, 2n]],
    );
  });

  it("counts an ADD COLUMN that lost a race to another replica as done, and fails on any other error", async () => {
    const store = storeFor("alter_race");
    await migrate(store, testLog, MIGRATIONS.slice(0, 3));
    const alter = (q: { text: string }) => q.text.startsWith("ALTER TABLE");
    // Every ALTER runs twice: the other replica's first (between our check and our ALTER), then ours, which fails.
    const lost: Store = {
      ...store,
      async command(q) {
        if (alter(q)) await store.command(q);
        await store.command(q);
      },
    };
    assert.deepEqual(await migrate(lost, testLog), [4, 5, 6]);
    const broken = storeFor("alter_broken");
    await migrate(broken, testLog, MIGRATIONS.slice(0, 3));
    const failing: Store = {
      ...broken,
      command: (q) => (alter(q) ? Promise.reject(new Error("disk full")) : broken.command(q)),
    };
    await assert.rejects(migrate(failing, testLog), /disk full/);
  });

  it("finishes migration 4 when a crash cut it short after its first column", async () => {
    const store = storeFor("upgrade_cut");
    await migrate(store, testLog, MIGRATIONS.slice(0, 3));
    await store.command(sql`ALTER TABLE ${store.table("usage_events")} ADD COLUMN audio_millis UInt32`);
    assert.deepEqual(await migrate(store, testLog), [4, 5, 6]);
    const [row] = await store.rows<{ n: string }>(
      sql`SELECT count() AS n FROM system.columns WHERE database = ${str("upgrade_cut")}
AND name IN ('audio_millis', 'queries')`,
    );
    assert.equal(Number(row?.n), 8, "both columns on usage_events and the minute, hour and day rollups");
  });

  it("moves a v5 database's minute rollups to the time-ordered tables, so later day totals keep earlier hours", async () => {
    const store = storeFor("upgrade_v5");
    await migrate(store, testLog, MIGRATIONS.slice(0, 5));
    // Two events an hour apart, stored and rolled up by minute as the v5 service did (spend_minute, by value).
    const early = [makeEvent(1), makeEvent(2, { startedAtMs: makeEvent(2).startedAtMs + 3_600_000n })];
    const rows = early.map((e) => toRow(e, e.eventId));
    await store.insert("usage_events", rows);
    await store.command(sql`INSERT INTO ${store.table("spend_minute")}
  (dimension, value, minute, day, events, cost_nanos, prompt_tokens, completion_tokens, cache_read_tokens,
   cache_write_tokens, reasoning_tokens, audio_millis, queries)
SELECT 'model', model_group, minute, any(day), count(), sum(cost_nanos), sum(prompt_tokens), sum(completion_tokens),
  sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(audio_millis), sum(queries)
FROM ${store.table("usage_events")} FINAL GROUP BY model_group, minute`);

    assert.deepEqual(await migrate(store, testLog), [6]);
    const [exists] = await store.rows<{ result: number }>(sql`EXISTS TABLE ${store.table("spend_minute")}`);
    assert.equal(Number(exists?.result), 0, "spend_minute is dropped once copied");
    const hours = await store.rows<{ hour: number; events: string }>(
      sql`SELECT hour, events FROM ${store.table("spend_hourly")} FINAL WHERE dimension = 'model' ORDER BY hour`,
    );
    assert.deepEqual(
      hours.map((h) => [Number(h.hour), h.events]),
      rows.map((r) => [Math.floor(r.minute / 60), "1"]),
    );

    // A third event, later that day: its day total counts the two from before the upgrade.
    const late = makeEvent(3, { startedAtMs: makeEvent(3).startedAtMs + 7_200_000n });
    const lateRow = toRow(late, late.eventId);
    assert.equal(lateRow.day, rows[0]!.day);
    await store.insert("usage_events", [lateRow]);
    const touched = emptyTouched();
    touch(touched, lateRow);
    const totals = await recompute(store, touched);
    const model = totals.find((t) => t.dimension === "model" && t.value === lateRow.model_group);
    const all = [...early, late];
    assert.equal(model?.events, "3");
    assert.equal(model?.cost_nanos, String(all.reduce((sum, e) => sum + e.costNanos, 0n)));
  });

  it("finishes migration 6 when a crash cut it short after dropping spend_minute", async () => {
    const store = storeFor("upgrade_v6_cut");
    await migrate(store, testLog, MIGRATIONS.slice(0, 5));
    await store.command(sql`DROP TABLE ${store.table("spend_minute")}`);
    assert.deepEqual(await migrate(store, testLog), [6]);
    assert.deepEqual(await migrate(store, testLog), []);
  });
});
