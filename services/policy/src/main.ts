import { createLogger, main, serve } from "@switchyard/runtime";
import { createAuthorizer } from "./authorizer.js";
import { readSettings } from "./config.js";
import { policyRoutes } from "./server.js";

const log = createLogger("policy");
await main(log, async () => {
  // Only the authorizer sees the master key; it keeps nothing but its digest.
  const { masterKey, ...service } = readSettings();
  const [routes, watchers] = policyRoutes({ authorizer: createAuthorizer(masterKey), log });
  await serve({
    ...service,
    log,
    serviceNames: ["switchyard.policy.v1.PolicyService"],
    connect: routes,
    onDraining: () => watchers.endAll(),
  });
});
