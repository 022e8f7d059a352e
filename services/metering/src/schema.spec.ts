import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ClickHouseServer, startClickHouse } from "@switchyard/launcher";
import { MIGRATIONS, migrate } from "./schema.js";
import { sql, str } from "./sql.js";
import { createStore, type Store } from "./store.js";
import { testLog } from "./testkit.js";

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
    assert.deepEqual(await migrate(store, testLog), [1, 2, 3]);
    assert.deepEqual(await migrate(store, testLog), []);
    const tables = await store.rows<{ name: string; engine: string }>(
      sql`SELECT name, engine FROM system.tables WHERE database = ${str("migrate_twice")} ORDER BY name`,
    );
    assert.deepEqual(tables, [
      { name: "audit_log", engine: "ReplacingMergeTree" },
      { name: "schema_migrations", engine: "ReplacingMergeTree" },
      { name: "spend_daily", engine: "ReplacingMergeTree" },
      { name: "spend_minute", engine: "ReplacingMergeTree" },
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
    assert.deepEqual(await migrate(store, testLog), [2, 3]);
  });
});
