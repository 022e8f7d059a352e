import { createLogger, main, serve } from "@switchyard/runtime";
import { breakerOptions, createBreakers } from "./breakers.js";
import { readSettings } from "./config.js";
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
  const stats = createStats();
  const { routingStrategy, latencyBuffer } = settings.config.router;
  const picker = createPicker(routingStrategy, stats, latencyBuffer === undefined ? {} : { latencyBuffer });
  await serve({
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
    onClosed: async () => {
      breakers.shutdown();
      await pool.close();
    },
    info: { workers: settings.workerAddresses, routingStrategy: settings.config.router.routingStrategy },
  });
});
