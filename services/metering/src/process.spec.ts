import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { metering } from "@switchyard/proto";
import { connect } from "@switchyard/runtime";
import { METERING_CONSUMER, USAGE_STREAM } from "@switchyard/usage";
import { sleep } from "./backoff.js";
import type { Store } from "./store.js";
import {
  assertExact,
  eventually,
  type Infra,
  makeEvent,
  publish,
  type ServiceProcess,
  spendBucket,
  startInfra,
  startService,
  storedCounts,
  testStore,
} from "./testkit.js";

// The compiled service as a real process: SIGKILLed mid-ingest, restarted, drained with SIGTERM.

describe("the metering process", () => {
  let infra: Infra;
  let store: Store;
  let env: Record<string, string>;

  before(async () => {
    infra = await startInfra();
    store = testStore(infra);
    env = {
      SWITCHYARD_NATS_URL: infra.nats.url,
      SWITCHYARD_CLICKHOUSE_URL: infra.clickhouse.url,
      SWITCHYARD_METERING_BATCH_SIZE: "250",
      SWITCHYARD_METERING_MAX_IN_FLIGHT: "2",
      // A killed process's unacknowledged batches come back after the ack wait: keep it short here.
      SWITCHYARD_METERING_ACK_WAIT_MS: "5000",
    };
  });
  after(async () => {
    await store?.close();
    await infra?.stop();
  });

  it("loses and duplicates nothing when killed -9 three times during ingest", async () => {
    const events = Array.from({ length: 4_000 }, (_, i) => makeEvent(i));
    let service: ServiceProcess = await startService(env);
    // Publish steadily while the service is killed, so kills land between inserts, recomputes and acks.
    const publishing = (async () => {
      for (let i = 0; i < events.length; i += 200) {
        await publish(infra.js, events.slice(i, i + 200));
        await sleep(60);
      }
    })();
    for (let kill = 0; kill < 3; kill++) {
      const before = (await storedCounts(store).catch(() => ({ final: 0 }))).final;
      await eventually(async () => assert.ok((await storedCounts(store)).final > before), 60_000, 50);
      await sleep(100 + kill * 150);
      assert.equal(await service.kill("SIGKILL"), null);
      service = await startService(env);
    }
    await publishing;
    try {
      await eventually(async () => assert.equal((await storedCounts(store)).final, events.length), 120_000);
      const jsm = await jetstreamManager(infra.nc);
      await eventually(async () => {
        const info = await jsm.consumers.info(USAGE_STREAM, METERING_CONSUMER);
        assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0]);
      }, 120_000);
      await assertExact(store, await spendBucket(infra.nc), events);

      // The same answer over the service's own Connect API.
      const client = connect.createConnectClient(service.httpUrl.replace("http://", ""));
      try {
        const res = await connect.callUnary(
          client,
          metering.MeteringService.method.getSpend,
          create(metering.GetSpendRequestSchema),
        );
        assert.equal(res.value.events, BigInt(events.length));
      } finally {
        await client.close();
      }
      const ready = await fetch(`${service.httpUrl}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      assert.equal(await service.kill("SIGTERM"), 0, "drains and exits cleanly on SIGTERM");
    }
    assert.ok(service.logs.some((l) => l.msg === "drained"));
  });
});
