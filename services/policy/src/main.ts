import { createLogger, drainOnSignal, startHost } from "@switchyard/runtime";
import { createAuthorizer } from "./authorizer.js";
import { readSettings } from "./config.js";
import { policyRoutes } from "./server.js";

const log = createLogger("policy");
try {
  const settings = readSettings();
  const authorizer = createAuthorizer(settings.masterKey);
  const [routes, watchers] = policyRoutes({ authorizer, log });
  const host = await startHost({
    grpcAddress: settings.grpcAddress,
    httpAddress: settings.httpAddress,
    serviceNames: ["switchyard.policy.v1.PolicyService"],
    connect: routes,
  });
  drainOnSignal({
    health: host.health,
    log,
    grpcServers: [host.grpcServer],
    httpServers: [host.httpServer],
    delayMs: settings.drainDelayMs,
    graceMs: settings.drainGraceMs,
    onDraining: () => watchers.endAll(),
  });
  host.health.setReady(true);
  log.info({ grpcPort: host.grpcPort, httpPort: host.httpPort }, "listening");
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, "failed to start");
  process.exit(1);
}
