import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { rssBytes } from "@switchyard/launcher";
import { METERING_CONSUMER, USAGE_STREAM } from "@switchyard/usage";
import { sleep } from "./backoff.js";
import type { Store } from "./store.js";
import {
  assertExact,
  eventually,
  type Infra,
  makeEvent,
  publish,
  spendBucket,
  startInfra,
  startService,
  storedCounts,
  testStore,
} from "./testkit.js";

const BATCH = 250;
const IN_FLIGHT = 2;

describe("a ClickHouse outage", () => {
  let infra: Infra;
  let store: Store;

  before(async () => {
    infra = await startInfra();
    store = testStore(infra);
  });
  after(async () => {
    await store?.close();
    await infra?.stop();
  });

  it("keeps the service up with bounded memory while ClickHouse is frozen, killed and restarted", async () => {
    const service = await startService({
      SWITCHYARD_NATS_URL: infra.nats.url,
      SWITCHYARD_CLICKHOUSE_URL: infra.clickhouse.url,
      SWITCHYARD_CLICKHOUSE_TIMEOUT_MS: "2000",
      SWITCHYARD_METERING_BATCH_SIZE: String(BATCH),
      SWITCHYARD_METERING_MAX_IN_FLIGHT: String(IN_FLIGHT),
      SWITCHYARD_METERING_ACK_WAIT_MS: "5000",
    });
    const jsm = await jetstreamManager(infra.nc);
    const events = Array.from({ length: 12_000 }, (_, i) => makeEvent(i));
    try {
      await publish(infra.js, events.slice(0, 1_000));
      await eventually(async () => assert.equal((await storedCounts(store)).final, 1_000));

      infra.clickhouse.pause();
      let peakRss = 0;
      let peakHeld = 0;
      const outage = (async () => {
        // Events keep arriving for the whole outage; the stream holds them.
        for (let i = 1_000; i < 11_000; i += 500) {
          await publish(infra.js, events.slice(i, i + 500));
          await sleep(400);
        }
      })();
      const started = Date.now();
      while (Date.now() - started < 10_000) {
        peakRss = Math.max(peakRss, rssBytes(service.pid) ?? 0);
        const info = await jsm.consumers.info(USAGE_STREAM, METERING_CONSUMER);
        peakHeld = Math.max(peakHeld, info.num_ack_pending);
        assert.equal((await fetch(`${service.httpUrl}/healthz`)).status, 200, "the service stays up");
        await sleep(250);
      }
      infra.clickhouse.resume();
      await infra.clickhouse.kill("SIGKILL");
      await sleep(1_000);
      await infra.clickhouse.restart();
      await outage;
      await publish(infra.js, events.slice(11_000));

      // While ClickHouse was away, the service held at most its in-flight batches and fetched nothing more.
      assert.ok(peakHeld <= BATCH * IN_FLIGHT, `held ${peakHeld} unacknowledged messages`);
      assert.ok(peakRss < 200 * 1024 * 1024, `RSS peaked at ${peakRss} bytes`);
      const info = await jsm.consumers.info(USAGE_STREAM, METERING_CONSUMER);
      assert.ok(info.num_pending + info.num_ack_pending > 0 || (await storedCounts(store)).final > 1_000);

      await eventually(async () => assert.equal((await storedCounts(store)).final, events.length), 120_000);
      await eventually(async () => {
        const after = await jsm.consumers.info(USAGE_STREAM, METERING_CONSUMER);
        assert.deepEqual([after.num_pending, after.num_ack_pending], [0, 0]);
      }, 60_000);
      await assertExact(store, await spendBucket(infra.nc), events);
      assert.ok(service.logs.some((l) => l.msg === "store failed: holding batches, not fetching"));
    } finally {
      infra.clickhouse.resume();
      assert.equal(await service.kill("SIGTERM"), 0);
    }
  });
});
