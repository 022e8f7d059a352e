import { warmTokenizer } from "@switchyard/openai";
import { createLogger, main, metricsRegistry, serve } from "@switchyard/runtime";
import { readUsagePublisherEnv, UsagePublisher } from "@switchyard/usage";
import { Agent } from "undici";
import { readSettings } from "./config.js";
import { createTargets } from "./deployments.js";
import type { UsageSink } from "./metering/meter.js";
import { createPricer } from "./metering/pricer.js";
import { workerRoutes } from "./server.js";
import { countInFlight, measuredSink, workerMetrics } from "./worker-metrics.js";

const log = createLogger("provider-worker");
await main(log, async () => {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const targets = createTargets(settings.config.deployments, log);
  const pricer = createPricer(settings.config.deployments, log);
  let publisher: UsagePublisher | undefined;
  let usage: UsageSink;
  if (settings.natsUrl) {
    publisher = new UsagePublisher({ ...readUsagePublisherEnv(), log }).start();
    usage = publisher;
  } else {
    log.warn("SWITCHYARD_NATS_URL is not set: usage is not metered (costs are still returned to clients)");
    usage = { publish: () => {} };
  }
  // Every attempt's usage event also feeds the token, cost and latency metrics, with or without NATS.
  const metrics = workerMetrics(metricsRegistry());
  usage = measuredSink(usage, metrics);
  // Keep-alive pools for all upstream HTTP, one per distinct connect timeout (undici sets it per pool): connections
  // are reused across requests and deployments.
  const pools = new Map<number, Agent>();
  const dispatcher = (connectTimeoutMs: number) => {
    let pool = pools.get(connectTimeoutMs);
    if (!pool) {
      pool = new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 300_000,
        connections: settings.upstreamConnections,
        connect: { timeout: connectTimeoutMs },
      });
      pools.set(connectTimeoutMs, pool);
    }
    return pool;
  };
  await serve({
    ...settings,
    log,
    serviceNames: ["switchyard.worker.v1.ProviderWorkerService"],
    connect: countInFlight(
      workerRoutes({ targets, dispatcher, router: settings.config.router, log, pricer, usage }),
      metrics.inFlight,
    ),
    onClosed: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      // In-flight attempts have finished and published: flush what NATS has not acknowledged yet.
      const left = await publisher?.close(10_000);
      if (left && left.remaining > 0) {
        log[left.spooled ? "warn" : "error"](
          { remaining: left.remaining, spooled: left.spooled },
          left.spooled ? "usage events left in the spool for the next start" : "usage events lost at shutdown",
        );
      }
    },
    info: { deployments: settings.config.deployments.length },
  });
  // A stream cut short is metered with the tokenizer before its error goes out: load it now, not then.
  warmTokenizer().catch((err: unknown) => log.warn({ err }, "tokenizer could not be loaded"));
});
