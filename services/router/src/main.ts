import { createLogger, main, serve } from "@switchyard/runtime";
import { breakerOptions, createBreakers } from "./breakers.js";
import { readSettings } from "./config.js";
import { describeDiscovery, startDiscovery } from "./discovery.js";
import { createFailover } from "./failover.js";
import { createModelGroups } from "./groups.js";
import { routerRoutes } from "./server.js";
import { createStats } from "./stats.js";
import { createPicker } from "./strategies.js";
import { createWorkerPool } from "./workers.js";

const log = createLogger("router");
await main(log, async () => {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const breakers = createBreakers(breakerOptions(settings.config.router), log);
  const pool = createWorkerPool(settings.workerAddresses);
  // Ready once the pool has had a worker (discovered workers arrive after start-up); it stays ready if they all go,
  // so calls fail fast as unavailable rather than the router leaving its Service. A drain makes it unready for good.
  let readyWhenWorkers: ((count: number) => void) | undefined;
  let draining = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => (draining = true));
  const discovery = startDiscovery(settings.workerDiscovery, {
    pool,
    log,
    onChange: (workers) => readyWhenWorkers?.(workers.length),
  });
  const stats = createStats();
  const { routingStrategy, latencyBuffer } = settings.config.router;
  const picker = createPicker(routingStrategy, stats, latencyBuffer === undefined ? {} : { latencyBuffer });
  const host = await serve({
    ...settings,
    log,
    serviceNames: ["switchyard.router.v1.RouterService"],
    connect: routerRoutes({
      groups: createModelGroups(settings.config.deployments),
      deployments: settings.config.deployments,
      settings: settings.config.router,
      breakers,
      picker,
      stats,
      pool,
      failover: createFailover(pool),
      log,
      startedAt: Math.floor(Date.now() / 1000),
    }),
    onDraining: () => discovery.stop(),
    onClosed: async () => {
      discovery.stop();
      breakers.shutdown();
      await pool.close();
    },
    info: {
      workers: describeDiscovery(settings.workerDiscovery),
      routingStrategy: settings.config.router.routingStrategy,
    },
  });
  if (pool.addresses().length === 0) {
    host.health.setReady(false);
    log.info("waiting for a provider worker before taking calls");
    readyWhenWorkers = (count) => {
      if (count === 0 || draining) return;
      readyWhenWorkers = undefined;
      host.health.setReady(true);
      log.info({ workers: count }, "ready");
    };
  }
});
