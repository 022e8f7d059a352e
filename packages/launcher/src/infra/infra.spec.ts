import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { type ClickHouseServer, startClickHouse } from "./clickhouse.js";
import { type NatsServer, startNats } from "./nats.js";

// Real servers, real clients: the ground the metering and policy work stands on. Debian ships ClickHouse 18.16,
// which predates query parameters (`query_params` -> "Unknown setting param_x"), JSONCompactEachRow and
// async_insert; everything used below works with @clickhouse/client 1.23.1 and its default options.

const STREAM = "USAGE";
const SUBJECT = "usage.events";
const DUPLICATE_WINDOW_NS = 60_000_000_000;

describe("nats-server with JetStream", () => {
  let nats: NatsServer;
  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    await nats?.stop();
  });

  test("de-duplicates by Nats-Msg-Id, stores KV entries and keeps the stream across a SIGKILL", async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: STREAM,
        subjects: [SUBJECT],
        storage: StorageType.File,
        duplicate_window: DUPLICATE_WINDOW_NS,
      });
      const js = jetstream(nc);
      const first = await js.publish(SUBJECT, '{"tokens":42}', { msgID: "req-1" });
      const again = await js.publish(SUBJECT, '{"tokens":42}', { msgID: "req-1" });
      assert.equal(first.duplicate, false);
      assert.equal(again.duplicate, true);
      assert.equal((await jsm.streams.info(STREAM)).state.messages, 1);

      const kv = await new Kvm(nc).create("budgets");
      await kv.put("tenant-a", "100");
      assert.equal((await kv.get("tenant-a"))?.string(), "100");
    } finally {
      await nc.close();
    }

    await nats.kill("SIGKILL");
    await nats.restart();
    const nc2 = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc2);
      assert.equal((await jsm.streams.info(STREAM)).state.messages, 1);
      const stored = await jsm.streams.getMessage(STREAM, { seq: 1 });
      assert.equal(stored?.string(), '{"tokens":42}');
    } finally {
      await nc2.close();
    }
  });
});

describe("clickhouse-server 18.16 through @clickhouse/client", () => {
  let clickhouse: ClickHouseServer;
  before(async () => {
    clickhouse = await startClickHouse();
  });
  after(async () => {
    await clickhouse?.stop();
  });

  test("collapses rows with the same key in a ReplacingMergeTree, read back with FINAL", async () => {
    const client = createClient({ url: clickhouse.url, application: "switchyard-test" });
    try {
      await client.command({
        query: "CREATE TABLE usage (id String, tokens UInt32) ENGINE = ReplacingMergeTree() ORDER BY id",
      });
      const values = [
        { id: "req-1", tokens: 10 },
        { id: "req-1", tokens: 10 },
        { id: "req-2", tokens: 5 },
      ];
      await client.insert({ table: "usage", values, format: "JSONEachRow" });
      const rows = await client.query({
        query: "SELECT id, tokens FROM usage FINAL ORDER BY id",
        format: "JSONEachRow",
      });
      assert.deepEqual(await rows.json(), [
        { id: "req-1", tokens: 10 },
        { id: "req-2", tokens: 5 },
      ]);
    } finally {
      await client.close();
    }
  });

  test("times a query out while paused and answers it after resume", async () => {
    // The client logs every failed request at ERROR; the timeout is the expected outcome here.
    const client = createClient({
      url: clickhouse.url,
      request_timeout: 500,
      log: { level: ClickHouseLogLevel.OFF },
    });
    const select = async () => (await client.query({ query: "SELECT 1 AS x", format: "JSONEachRow" })).json();
    try {
      clickhouse.pause();
      try {
        await assert.rejects(select(), /Timeout/);
      } finally {
        clickhouse.resume();
      }
      assert.deepEqual(await select(), [{ x: 1 }]);
    } finally {
      await client.close();
    }
  });
});
