import { createLogger, drainOnSignal, startHost } from "@switchyard/runtime";
import { Agent } from "undici";
import { readSettings } from "./config.js";
import { createTargets } from "./deployments.js";
import { workerRoutes } from "./server.js";

const log = createLogger("provider-worker");
try {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const targets = createTargets(settings.config.deployments, log);
  // One keep-alive pool for all upstream HTTP; connections are reused across requests and deployments.
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connections: settings.upstreamConnections,
    connect: { timeout: 10_000 },
  });
  const host = await startHost({
    grpcAddress: settings.grpcAddress,
    httpAddress: settings.httpAddress,
    serviceNames: ["switchyard.worker.v1.ProviderWorkerService"],
    connect: workerRoutes({ targets, dispatcher, log }),
  });
  drainOnSignal({
    health: host.health,
    log,
    grpcServers: [host.grpcServer],
    httpServers: [host.httpServer],
    delayMs: settings.drainDelayMs,
    graceMs: settings.drainGraceMs,
    onClosed: () => dispatcher.close(),
  });
  host.health.setReady(true);
  log.info(
    { grpcPort: host.grpcPort, httpPort: host.httpPort, deployments: settings.config.deployments.length },
    "listening",
  );
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, "failed to start");
  process.exit(1);
}
