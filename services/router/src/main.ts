import { createLogger, drainOnSignal, startHost } from "@switchyard/runtime";
import { breakerOptions, createBreakers } from "./breakers.js";
import { readSettings } from "./config.js";
import { createModelGroups } from "./groups.js";
import { routerRoutes } from "./server.js";
import { createWorkerPool } from "./workers.js";

const log = createLogger("router");
try {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const breakers = createBreakers(breakerOptions(settings.config.router), log);
  const pool = createWorkerPool(settings.workerAddresses);
  const host = await startHost({
    grpcAddress: settings.grpcAddress,
    httpAddress: settings.httpAddress,
    serviceNames: ["switchyard.router.v1.RouterService"],
    connect: routerRoutes({
      groups: createModelGroups(settings.config.deployments),
      settings: settings.config.router,
      breakers,
      pool,
      log,
      startedAt: Math.floor(Date.now() / 1000),
    }),
  });
  drainOnSignal({
    health: host.health,
    log,
    grpcServers: [host.grpcServer],
    httpServers: [host.httpServer],
    delayMs: settings.drainDelayMs,
    graceMs: settings.drainGraceMs,
    onClosed: async () => {
      breakers.shutdown();
      await pool.close();
    },
  });
  host.health.setReady(true);
  log.info({ grpcPort: host.grpcPort, httpPort: host.httpPort, workers: settings.workerAddresses }, "listening");
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, "failed to start");
  process.exit(1);
}
