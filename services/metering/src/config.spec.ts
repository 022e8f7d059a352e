import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readSettings } from "./config.js";

describe("settings", () => {
  it("has working defaults", () => {
    const s = readSettings({});
    assert.deepEqual(s.natsServers, ["nats://127.0.0.1:4222"]);
    assert.equal(s.clickhouse.url, "http://127.0.0.1:8123");
    assert.equal(s.clickhouse.database, "switchyard");
    assert.equal(s.httpAddress, "0.0.0.0:8085");
    assert.deepEqual(
      [s.ingest.batchSize, s.ingest.batchWaitMs, s.ingest.maxInFlight, s.ingest.rollupIntervalMs],
      [5_000, 1_000, 8, 500],
    );
    assert.equal(s.liveSpendIntervalMs, 1_000);
  });

  it("reads every variable and fails with the variable's name on a bad value", () => {
    const s = readSettings({
      SWITCHYARD_NATS_URL: "nats://a:4222, nats://b:4222",
      SWITCHYARD_CLICKHOUSE_URL: "https://ch.example:8443",
      SWITCHYARD_CLICKHOUSE_USER: "metering",
      SWITCHYARD_CLICKHOUSE_PASSWORD: "s3cret",
      SWITCHYARD_CLICKHOUSE_DATABASE: "spend_2",
      SWITCHYARD_METERING_BATCH_SIZE: "100",
      SWITCHYARD_METERING_BATCH_WAIT_MS: "2000",
      SWITCHYARD_METERING_LIVE_SPEND_INTERVAL_MS: "0",
    });
    assert.equal(s.liveSpendIntervalMs, 0);
    assert.deepEqual(s.natsServers, ["nats://a:4222", "nats://b:4222"]);
    assert.deepEqual(
      [s.clickhouse.username, s.clickhouse.password, s.clickhouse.database],
      ["metering", "s3cret", "spend_2"],
    );
    assert.deepEqual([s.ingest.batchSize, s.ingest.batchWaitMs], [100, 2_000]);
    const bad: Array<[string, string, RegExp]> = [
      ["SWITCHYARD_CLICKHOUSE_DATABASE", "x; DROP", /SWITCHYARD_CLICKHOUSE_DATABASE/],
      ["SWITCHYARD_CLICKHOUSE_URL", "ftp://x", /SWITCHYARD_CLICKHOUSE_URL/],
      ["SWITCHYARD_NATS_URL", "not a url", /SWITCHYARD_NATS_URL/],
      ["SWITCHYARD_METERING_BATCH_SIZE", "0", /SWITCHYARD_METERING_BATCH_SIZE/],
      ["SWITCHYARD_METERING_BATCH_WAIT_MS", "500", /SWITCHYARD_METERING_BATCH_WAIT_MS/],
      ["SWITCHYARD_METERING_LIVE_SPEND_INTERVAL_MS", "-1", /SWITCHYARD_METERING_LIVE_SPEND_INTERVAL_MS/],
    ];
    for (const [name, value, message] of bad) assert.throws(() => readSettings({ [name]: value }), message);
  });
});
