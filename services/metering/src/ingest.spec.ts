import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { METERING_CONSUMER, USAGE_STREAM, usageSubject } from "@switchyard/usage";
import { openBatch } from "./batch.js";
import { ensureMeteringConsumer, meteringConsumer } from "./consumer.js";
import { TSV_COLUMNS } from "./event-tsv.js";
import { type Ingest, type IngestOptions, nextFetchSize, startIngest } from "./ingest.js";
import { createLiveSpend } from "./live-spend.js";
import { emptyTouched, markMinutes, pendingMinutes, touch } from "./rollup.js";
import { dayOf, minuteOf } from "./rows.js";
import { migrate } from "./schema.js";
import { sql } from "./sql.js";
import type { Store } from "./store.js";
import {
  assertExact,
  eventually,
  type Infra,
  makeEvent,
  publish,
  spendBucket,
  startInfra,
  testLog,
  testStore,
} from "./testkit.js";

const OPTIONS: IngestOptions = {
  batchSize: 400,
  batchWaitMs: 1_000,
  maxInFlight: 3,
  rollupIntervalMs: 100,
  ackWaitMs: 30_000,
  lagWarnMs: 60_000,
};

function range(from: number, to: number) {
  return Array.from({ length: to - from }, (_, i) => makeEvent(from + i));
}

describe("fetch size", () => {
  it("follows the observed rate, from one message when idle up to the batch size", () => {
    assert.equal(nextFetchSize(0, 1_000, 5_000), 1, "idle: return on the first message");
    assert.equal(nextFetchSize(1, 2, 5_000), 100, "a burst grows the next fetch");
    assert.equal(nextFetchSize(5_000, 1_000, 5_000), 1_000, "5,000/s fills 1,000 in 200 ms");
    assert.equal(nextFetchSize(5_000, 50, 5_000), 5_000, "a backlog keeps the largest batch");
  });
});

describe("ingest from JetStream into ClickHouse", () => {
  let infra: Infra;
  let store: Store;
  let jsm: JetStreamManager;
  let kv: KV;
  const events = range(0, 1_500);

  const run = (): Ingest =>
    startIngest(
      { consumer: () => meteringConsumer(infra.js), store, spend: createLiveSpend(kv), log: testLog },
      OPTIONS,
    );

  /** JetStream applies acknowledgements asynchronously, so the consumer's state is polled. */
  const acknowledgedAll = () =>
    eventually(async () => {
      const info = await jsm.consumers.info(USAGE_STREAM, METERING_CONSUMER);
      assert.equal(info.num_pending, 0, "nothing left in the stream");
      assert.equal(info.num_ack_pending, 0, "everything acknowledged or terminated");
    }, 10_000);

  before(async () => {
    infra = await startInfra();
    store = testStore(infra);
    await migrate(store, testLog);
    jsm = await jetstreamManager(infra.nc);
    await ensureMeteringConsumer(jsm, { ackWaitMs: OPTIONS.ackWaitMs, maxAckPending: 10_000 });
    kv = await spendBucket(infra.nc);
  });
  after(async () => {
    await store?.close();
    await infra?.stop();
  });

  it("stores batches, acknowledges them, and counts duplicated events once in every query", async () => {
    await publish(infra.js, events.slice(0, 1_200));
    // The same events again under new message ids, so JetStream's own dedupe does not catch them.
    await publish(infra.js, events.slice(0, 300), (e) => `${e.eventId}/again`);
    const ingest = run();
    try {
      await eventually(async () => assert.equal(ingest.stats().messages, 1_500));
      await acknowledgedAll();
      assert.ok(ingest.stats().batches >= 4, "the batch size bounds each insert");
      await assertExact(store, kv, events.slice(0, 1_200));
    } finally {
      await ingest.stop(5_000);
    }
  });

  it("counts a batch once when it was stored but not acknowledged (a crash after the insert)", async () => {
    const fresh = events.slice(1_200);
    await publish(infra.js, fresh);
    // Play the crashed process: fetch, insert, and go away without acknowledging (nak = redeliver now).
    const consumer = await meteringConsumer(infra.js);
    const fetched = [];
    for await (const msg of await consumer.fetch({ max_messages: fresh.length, expires: 2_000 })) fetched.push(msg);
    assert.equal(fetched.length, fresh.length);
    const { batch } = openBatch(fetched);
    await store.insertTsv("usage_events", TSV_COLUMNS, batch.body);
    for (const msg of fetched) msg.nak();

    const ingest = run();
    try {
      await eventually(async () => assert.equal(ingest.stats().messages, fresh.length));
      await assertExact(store, kv, events);
    } finally {
      await ingest.stop(5_000);
    }
  });

  it("rolls up the minutes a crash left pending after the acknowledgement, live spend included", async () => {
    // Play a process that stored and acknowledged a batch, then died before its rollup and live-spend writes: the
    // rollups of its minutes are dropped, the bucket is wiped, and only the pending marks remain.
    const touched = emptyTouched();
    for (const e of events) touch(touched, { minute: minuteOf(e.startedAtMs), day: dayOf(e.startedAtMs) });
    await markMinutes(store, touched, Date.now(), false);
    await store.command(sql`TRUNCATE TABLE ${store.table("spend_minutely")}`);
    await store.command(sql`TRUNCATE TABLE ${store.table("spend_hourly")}`);
    await store.command(sql`TRUNCATE TABLE ${store.table("spend_daily")}`);
    for await (const key of await kv.keys()) await kv.purge(key);
    assert.equal((await pendingMinutes(store)).minutes.size, touched.minutes.size);

    const ingest = run();
    try {
      await eventually(async () => assert.equal((await pendingMinutes(store)).minutes.size, 0), 20_000);
      await assertExact(store, kv, events);
    } finally {
      await ingest.stop(5_000);
    }
  });

  it("terminates a message that is not a usage event and goes on", async () => {
    await infra.js.publish(usageSubject("chat"), new Uint8Array([0xff, 0xff, 0xff]), { msgID: "garbage" });
    const late = makeEvent(5_000);
    await publish(infra.js, [late]);
    const ingest = run();
    try {
      await eventually(async () => {
        assert.equal(ingest.stats().rejected, 1);
        assert.equal(ingest.stats().messages, 1);
      });
      await acknowledgedAll();
      await assertExact(store, kv, [...events, late]);
    } finally {
      await ingest.stop(5_000);
    }
  });
});
