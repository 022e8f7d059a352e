import { createLogger, main, serve } from "@switchyard/runtime";
import { adminRoutes } from "./admin.js";
import { createAuthorizer } from "./authorizer.js";
import { readSettings } from "./config.js";
import { createKeyHasher } from "./credentials.js";
import { createJwtAuthorizer } from "./jwt-authorizer.js";
import { createJwtVerifier } from "./jwt-verify.js";
import { createModelAccess } from "./models.js";
import { connectStore } from "./nats.js";
import { createResolver } from "./principal.js";
import { policyRoutes } from "./server.js";

const log = createLogger("policy");
await main(log, async () => {
  // Only the resolver sees the master key (it keeps its digest); only the hasher sees the hash secret.
  const { masterKey, keyHashSecret, natsServers, kvReplicas, startupTimeoutMs, deployments, jwtAuth, ...service } =
    readSettings();
  // Ready only once the initial KV load is in memory: the servers start after it.
  const nats =
    natsServers.length > 0
      ? await connectStore({ servers: natsServers, replicas: kvReplicas, deadline: Date.now() + startupTimeoutMs, log })
      : undefined;
  const store = nats?.store;
  const hasher = store ? createKeyHasher(keyHashSecret) : undefined;
  const resolver = createResolver({ masterKey, state: store?.state, hasher });
  const models = createModelAccess(deployments);
  const credentials = createAuthorizer({ resolver, models });
  // JWTs are verified only when configured; otherwise a JWT is just an unknown key.
  const authorizer = jwtAuth
    ? createJwtAuthorizer({
        credentials,
        verifier: createJwtVerifier(jwtAuth),
        settings: jwtAuth,
        models,
        state: store?.state,
      })
    : credentials;
  const [routes, watchers] = policyRoutes({ authorizer, log });
  adminRoutes({ resolver, store, hasher, log }, routes);
  store?.state.onInvalidate((message) => watchers.publish(message));
  await serve({
    ...service,
    log,
    serviceNames: ["switchyard.policy.v1.PolicyService", "switchyard.policy.v1.PolicyAdminService"],
    connect: routes,
    onDraining: () => watchers.endAll(),
    onClosed: () => nats?.close(),
    info: {
      keyManagement: store ? "nats" : "off (master key only)",
      nats: natsServers,
      jwtAuth: jwtAuth ? jwtAuth.jwksUrl : "off",
    },
  });
});
