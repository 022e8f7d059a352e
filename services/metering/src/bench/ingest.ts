// Ingest benchmark: real nats-server, clickhouse-server and the metering service as its own process, on this
// machine. Two phases:
//   1. backlog: N events published while the service is stopped, then the time to store and acknowledge them all
//      (the service's own throughput, with no publisher competing for the CPU), and the CPU time the service,
//      ClickHouse and NATS spent per event meanwhile (steadier than the time on a shared machine);
//   2. sustained: events published at a fixed rate for a while, by a publisher that takes little of the machine (core
//      NATS publishes of pre-encoded events, see createPublisher); reports the publish-to-acknowledgement lag of every
//      event (an event is acknowledged once its row is stored in ClickHouse) and whether the service kept up, and
//      samples the service's rollup lag (publish to the recompute that counted it in the spend rollups and handed its
//      totals to the live-spend writer) from its /metrics.
//
//   node services/metering/dist/bench/ingest.js [--rate 20000] [--seconds 30] [--backlog 200000]
//                                               [--batch 5000] [--in-flight 8] [--rollup-interval 500]

import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { cpuMicros, rssBytes } from "@switchyard/launcher";
import { metering } from "@switchyard/proto";
import { METERING_CONSUMER, USAGE_CONTENT_TYPE, USAGE_STREAM, usageSubject } from "@switchyard/usage";
import { sleep } from "../backoff.js";
import { type Infra, type ServiceProcess, startInfra, startService, storedCounts, testStore } from "../testkit.js";

const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "20000" },
    seconds: { type: "string", default: "30" },
    backlog: { type: "string", default: "200000" },
    batch: { type: "string", default: "5000" },
    "in-flight": { type: "string", default: "8" },
    "rollup-interval": { type: "string", default: "500" },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const BACKLOG = Number(args.backlog);
const BATCH = Number(args.batch);
const IN_FLIGHT = Number(args["in-flight"]);
const ROLLUP_INTERVAL = Number(args["rollup-interval"]);
const TICK_MS = 10;

let sequence = 0;
/** The spread repeats every this many events (a multiple of every modulus below). */
const CYCLE = 30_000;

/** A realistic spread: 100 keys, 10 teams, 1,000 users, 10,000 end users, 3 model groups; ids and times left out. */
function template(i: number): Uint8Array {
  const models = ["gpt-4o", "claude", "llama"];
  return toBinary(
    metering.UsageEventSchema,
    create(metering.UsageEventSchema, {
      attempt: 1,
      caller: {
        keyId: `key-${i % 100}`,
        teamId: `team-${i % 10}`,
        userId: `user-${i % 1000}`,
        endUser: `eu-${i % 10_000}`,
      },
      route: { requestedModel: models[i % 3], modelGroup: models[i % 3], provider: "openai", deploymentId: "d1" },
      tokens: { prompt: 500 + (i % 100), completion: 100 + (i % 50) },
      costNanos: 1_250_000n + BigInt(i % 1000),
      latencyMs: 800,
      status: metering.Status.OK,
      httpStatus: 200,
      operation: "chat.completions",
      instance: "bench",
    }),
  );
}

/** Encoded once: the publisher's CPU is the machine's too, and should go to the system under test. */
const TEMPLATES = Array.from({ length: CYCLE }, (_, i) => template(i));

/**
 * The next event: its template followed by its ids and times (protobuf merges fields in any order, so the
 * concatenation is one UsageEvent).
 */
function nextEvent(now: number): { id: string; bytes: Uint8Array } {
  const i = sequence++;
  const id = `bench-${process.pid}-${i}`;
  const tail = new BinaryWriter()
    .tag(1, WireType.LengthDelimited)
    .string(id)
    .tag(2, WireType.LengthDelimited)
    .string(`req-${i}`)
    .tag(4, WireType.Varint)
    .int64(now)
    .tag(5, WireType.Varint)
    .int64(now)
    .finish();
  const head = TEMPLATES[i % CYCLE] as Uint8Array;
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  return { id, bytes };
}

/**
 * Publishes with core NATS publishes, which the usage stream stores like JetStream publishes, without a round trip
 * per event (the gateway's publisher waits for each acknowledgement, off the request path and on other machines).
 * One connection's publishes are stored in order, so the n-th one gets the stream's next sequence; `flush` checks
 * that the stream holds them all. Records each sequence's publish time.
 */
async function createPublisher(nc: NatsConnection, jsm: JetStreamManager, sentAt: Map<number, number>) {
  let seq = (await jsm.streams.info(USAGE_STREAM)).state.last_seq;
  const subject = usageSubject("chat");
  return {
    send(): void {
      const now = Date.now();
      const { id, bytes } = nextEvent(now);
      const h = headers();
      h.set("content-type", USAGE_CONTENT_TYPE);
      h.set("Nats-Msg-Id", id);
      nc.publish(subject, bytes, { headers: h });
      sentAt.set(++seq, now);
    },
    async flush(): Promise<void> {
      await nc.flush();
      const deadline = Date.now() + 30_000;
      const lastSeq = async () => (await jsm.streams.info(USAGE_STREAM)).state.last_seq;
      let stored = await lastSeq();
      while (stored < seq && Date.now() < deadline) {
        await sleep(50);
        stored = await lastSeq();
      }
      if (stored !== seq) throw new Error(`expected the stream to end at sequence ${seq}, it ends at ${stored}`);
    },
  };
}

async function ackFloor(jsm: JetStreamManager): Promise<number> {
  return (await jsm.consumers.info(USAGE_STREAM, METERING_CONSUMER)).ack_floor.stream_seq;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function serviceEnv(infra: Infra): Record<string, string> {
  return {
    SWITCHYARD_NATS_URL: infra.nats.url,
    SWITCHYARD_CLICKHOUSE_URL: infra.clickhouse.url,
    SWITCHYARD_METERING_BATCH_SIZE: String(BATCH),
    SWITCHYARD_METERING_MAX_IN_FLIGHT: String(IN_FLIGHT),
    SWITCHYARD_METERING_ROLLUP_INTERVAL_MS: String(ROLLUP_INTERVAL),
  };
}

/** Phase 1: the time to store and acknowledge a backlog, and the CPU each process spent per event meanwhile. */
async function backlog(infra: Infra, jsm: JetStreamManager) {
  const sentAt = new Map<number, number>();
  const publisher = await createPublisher(infra.nc, jsm, sentAt);
  for (let i = 0; i < BACKLOG; i++) {
    publisher.send();
    // Let the connection write out now and then rather than buffer the whole backlog.
    if (i % 1_000 === 999) await infra.nc.flush();
  }
  await publisher.flush();
  let last = 0;
  for (const seq of sentAt.keys()) last = Math.max(last, seq);
  const started = Date.now();
  const service = await startService(serviceEnv(infra));
  // From the moment it listens (migrated, connected) to the last acknowledgement.
  const pids = { metering: service.pid, clickhouse: infra.clickhouse.pid, nats: infra.nats.pid };
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMicros(pid)]));
  while ((await ackFloor(jsm)) < last) await sleep(50);
  const seconds = (Date.now() - started) / 1000;
  const cpuMicrosPerEvent = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, Math.round((cpuMicros(pid) - (before[name] ?? 0)) / BACKLOG)]),
  );
  await service.kill("SIGTERM");
  return { eventsPerSecond: BACKLOG / seconds, cpuMicrosPerEvent };
}

/** Phase 2: publish at `RATE` for `SECONDS`, sampling the ack floor to time every event. */
async function sustained(infra: Infra, jsm: JetStreamManager, service: ServiceProcess) {
  const sentAt = new Map<number, number>();
  const lags: number[] = [];
  /** Lags of events published after the first five seconds (JIT warm-up, fetch size adapting). */
  const steady: number[] = [];
  const warmUntil = Date.now() + 5_000;
  const publisher = await createPublisher(infra.nc, jsm, sentAt);
  let floor = await ackFloor(jsm);
  let sampling = true;
  let peakRss = 0;
  const rollupLags: number[] = [];
  const rollupSampler = (async () => {
    while (sampling) {
      const text = await (await fetch(`${service.httpUrl}/metrics`)).text().catch(() => "");
      const value = /^switchyard_metering_rollup_lag_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
      if (value !== undefined && Date.now() >= warmUntil) rollupLags.push(Math.round(Number(value) * 1000));
      await sleep(250);
    }
  })();
  const sampler = (async () => {
    while (sampling || sentAt.size > 0) {
      const next = await ackFloor(jsm);
      const now = Date.now();
      for (let seq = floor + 1; seq <= next; seq++) {
        const t = sentAt.get(seq);
        if (t !== undefined) {
          lags.push(now - t);
          if (t >= warmUntil) steady.push(now - t);
        }
        sentAt.delete(seq);
      }
      floor = next;
      peakRss = Math.max(peakRss, rssBytes(service.pid) ?? 0);
      await sleep(25);
    }
  })();
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    while (sent < due) {
      publisher.send();
      sent++;
    }
    await sleep(TICK_MS);
  }
  const publishSeconds = (Date.now() - started) / 1000;
  await publisher.flush();
  sampling = false;
  // Give up on events that never get acknowledged after two minutes, without keeping the process alive that long.
  const giveUp = new AbortController();
  await Promise.race([sampler, sleep(120_000, giveUp.signal)]);
  giveUp.abort();
  await rollupSampler;
  rollupLags.sort((a, b) => a - b);
  const totalSeconds = (Date.now() - started) / 1000;
  lags.sort((a, b) => a - b);
  steady.sort((a, b) => a - b);
  return {
    sent,
    publishRate: Math.round(sent / publishSeconds),
    ingestRate: Math.round(lags.length / totalSeconds),
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: lags[lags.length - 1] ?? Number.NaN,
    p50AfterWarmUp: percentile(steady, 50),
    p99AfterWarmUp: percentile(steady, 99),
    rollupLagP50AfterWarmUp: percentile(rollupLags, 50),
    rollupLagMaxAfterWarmUp: rollupLags[rollupLags.length - 1] ?? Number.NaN,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
}

const infra = await startInfra();
try {
  const jsm = await jetstreamManager(infra.nc);
  const store = testStore(infra, "switchyard", 30_000);
  const drained = BACKLOG > 0 ? await backlog(infra, jsm) : undefined;
  const service = await startService(serviceEnv(infra));
  const result = await sustained(infra, jsm, service);
  await service.kill("SIGTERM");
  const counts = await storedCounts(store);
  await store.close();
  const summary = {
    machine: `${availableParallelism()} cores`,
    batch: BATCH,
    inFlight: IN_FLIGHT,
    rollupIntervalMs: ROLLUP_INTERVAL,
    backlogEvents: BACKLOG,
    backlogEventsPerSecond: Math.round(drained?.eventsPerSecond ?? Number.NaN),
    backlogCpuMicrosPerEvent: drained?.cpuMicrosPerEvent,
    sustainedTargetRate: RATE,
    ...result,
    storedEvents: counts.final,
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await infra.stop();
}
