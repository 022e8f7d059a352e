import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createLogger, type Logger, main, metricsRegistry, serve } from "@switchyard/runtime";
import { ensureAuditStream, ensureUsageStream, SPEND_BUCKET } from "@switchyard/usage";
import { auditConsumer, ensureAuditConsumer, startAuditIngest } from "./audit-ingest.js";
import { retryUntil, sleep } from "./backoff.js";
import { readSettings } from "./config.js";
import { ensureMeteringConsumer, meteringConsumer } from "./consumer.js";
import { startIngest } from "./ingest.js";
import { registerIngestMetrics } from "./ingest-metrics.js";
import { createLiveSpend } from "./live-spend.js";
import { migrate } from "./schema.js";
import { meteringRoutes } from "./server.js";
import { createStore } from "./store.js";

const PROGRESS_LOG_MS = 60_000;
const NATS_DRAIN_MS = 5_000;
/** Longest a stopping service spends writing the live spend still queued. */
const SPEND_FLUSH_MS = 5_000;

/** Logs the connection's disconnects and reconnects; the client itself reconnects forever. */
async function logNatsStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === "disconnect") log.warn({ server: status.server }, "nats disconnected");
    else if (status.type === "reconnect") log.info({ server: status.server }, "nats reconnected");
  }
}

const log = createLogger("metering");
await main(log, async () => {
  const settings = readSettings();
  const deadline = Date.now() + settings.startupTimeoutMs;
  const waiting = (what: string) => (err: unknown, attempt: number) =>
    log.warn({ err: err instanceof Error ? err.message : String(err), attempt }, `waiting for ${what}`);

  const store = createStore(settings.clickhouse);
  await retryUntil(deadline, () => migrate(store, log), waiting("ClickHouse"));
  const nc = await retryUntil(
    deadline,
    () =>
      connect({
        ...settings.natsAuth,
        servers: settings.natsServers,
        name: "switchyard-metering",
        maxReconnectAttempts: -1,
        // A stack trace captured per request (every KV write) costs a quarter of the service's CPU.
        noAsyncTraces: true,
      }),
    waiting("NATS"),
  );
  void logNatsStatus(nc, log);
  const { batchSize, maxInFlight, ackWaitMs } = settings.ingest;
  await retryUntil(
    deadline,
    async () => {
      const jsm = await jetstreamManager(nc);
      await ensureUsageStream(jsm);
      // Room for every replica's held batches; one replica never holds more than its own.
      await ensureMeteringConsumer(jsm, { ackWaitMs, maxAckPending: batchSize * maxInFlight * 4 });
      await ensureAuditStream(jsm);
      await ensureAuditConsumer(jsm, ackWaitMs);
    },
    waiting("JetStream"),
  );
  const kv = await new Kvm(nc).create(SPEND_BUCKET, { history: 1, ttl: settings.spendTtlMs });
  const js = jetstream(nc);
  const spend = createLiveSpend(kv, { log, intervalMs: settings.liveSpendIntervalMs });
  const ingest = startIngest({ consumer: () => meteringConsumer(js), store, spend, log }, settings.ingest);
  const audit = startAuditIngest(
    { consumer: () => auditConsumer(js), store, log },
    { batchSize: Math.min(batchSize, 1_000), batchWaitMs: settings.ingest.batchWaitMs, ackWaitMs },
  );
  registerIngestMetrics(metricsRegistry(), () => ingest.stats());
  const progress = setInterval(() => log.info(ingest.stats(), "ingest progress"), PROGRESS_LOG_MS);
  progress.unref();

  let stopped: Promise<void> | undefined;
  const stopIngest = () => {
    stopped ??= Promise.all([ingest.stop(settings.drainGraceMs), audit.stop(settings.drainGraceMs)]).then(
      () => undefined,
    );
    return stopped;
  };
  await serve({
    ...settings,
    log,
    serviceNames: ["switchyard.metering.v1.MeteringService"],
    connect: meteringRoutes({ store, log }),
    // Stop pulling as soon as draining starts; the held batches finish while the servers wind down.
    onDraining: () => void stopIngest(),
    onClosed: async () => {
      clearInterval(progress);
      await stopIngest();
      log.info(ingest.stats(), "ingest stopped");
      // What is still queued is reconciled by the next start; writing it now saves the next one the work.
      if (!(await spend.flush(SPEND_FLUSH_MS))) log.warn({ pending: spend.pending() }, "live spend left unwritten");
      spend.close();
      // Drain flushes the acknowledgements still buffered in the client; with NATS away it would wait forever.
      await Promise.race([nc.drain(), sleep(NATS_DRAIN_MS)]);
      if (!nc.isClosed()) await nc.close();
      await store.close();
    },
    info: {
      nats: settings.natsServers,
      clickhouse: new URL(settings.clickhouse.url).origin,
      database: settings.clickhouse.database,
      batchSize,
      maxInFlight,
    },
  });
});
