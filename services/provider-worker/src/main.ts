import { createLogger, main, serve } from "@switchyard/runtime";
import { Agent } from "undici";
import { readSettings } from "./config.js";
import { createTargets } from "./deployments.js";
import { workerRoutes } from "./server.js";

const log = createLogger("provider-worker");
await main(log, async () => {
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
  await serve({
    ...settings,
    log,
    serviceNames: ["switchyard.worker.v1.ProviderWorkerService"],
    connect: workerRoutes({ targets, dispatcher, log }),
    onClosed: () => dispatcher.close(),
    info: { deployments: settings.config.deployments.length },
  });
});
