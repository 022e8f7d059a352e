import { createLogger, main, serve } from "@switchyard/runtime";
import { breakerOptions, createBreakers } from "./breakers.js";
import { readSettings } from "./config.js";
import { describeDiscovery } from "./discovery.js";
import { createModelGroups } from "./groups.js";
import { createHealthChecks } from "./health-checks.js";
import { workerProbe } from "./health-probe.js";
import { createPools } from "./pools.js";
import { routerRoutes } from "./server.js";
import { createStats } from "./stats.js";
import { createPicker } from "./strategies.js";

const log = createLogger("router");
await main(log, async () => {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const breakers = createBreakers(breakerOptions(settings.config.router), log);
  const pools = createPools(settings.workerPools);
  // Ready once each pool has had a worker (discovered workers arrive after start-up); it stays ready if they all go,
  // so calls fail fast as unavailable rather than the router leaving its Service. A drain makes it unready for good.
  let readyWhenWorkers: (() => void) | undefined;
  let draining = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => (draining = true));
  const discovery = pools.start({ log, onChange: () => readyWhenWorkers?.() });
  const stats = createStats();
  const { routingStrategy, latencyBuffer } = settings.config.router;
  const picker = createPicker(routingStrategy, stats, latencyBuffer === undefined ? {} : { latencyBuffer });
  // general_settings.background_health_checks: every deployment probed in the background, for LiteLLM's /health.
  const checks = settings.config.general.backgroundHealthChecks;
  const healthChecks =
    checks &&
    createHealthChecks({
      deployments: settings.config.deployments,
      intervalMs: checks.intervalMs,
      probe: (plan, signal) => workerProbe(pools.of(plan.deployment).failover)(plan, signal),
      log,
    });
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
      pools,
      log,
      startedAt: Math.floor(Date.now() / 1000),
      // ListDeployments reports the latest probe of each deployment (RouterDeps.healthChecks, healthCheckFields).
      ...(healthChecks && { healthChecks }),
    }),
    onDraining: () => {
      discovery.stop();
      void healthChecks?.stop();
    },
    onClosed: async () => {
      discovery.stop();
      await healthChecks?.stop();
      breakers.shutdown();
      await pools.close();
    },
    info: {
      workers: Object.fromEntries(pools.entries.map((p) => [p.name, describeDiscovery(p.discovery)])),
      routingStrategy: settings.config.router.routingStrategy,
    },
  });
  healthChecks?.start();
  // Ready once every pool has had a worker.
  const waiting = () => pools.entries.filter((p) => p.workers.addresses().length === 0).map((p) => p.name);
  if (waiting().length > 0) {
    host.health.setReady(false);
    log.info({ pools: waiting() }, "waiting for a provider worker in every pool before taking calls");
    readyWhenWorkers = () => {
      if (waiting().length > 0 || draining) return;
      readyWhenWorkers = undefined;
      host.health.setReady(true);
      log.info({ pools: pools.entries.length }, "ready");
    };
  }
});
