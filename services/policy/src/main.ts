import { createLogger, main, metricsRegistry, serve } from "@switchyard/runtime";
import { adminRoutes } from "./admin.js";
import { createAuditPublisher } from "./audit-publisher.js";
import { createAuthorizer } from "./authorizer.js";
import { readSettings } from "./config.js";
import { createKeyHasher } from "./credentials.js";
import { countDecisions } from "./decision-metrics.js";
import { createJwtAuthorizer } from "./jwt-authorizer.js";
import { createJwtVerifier } from "./jwt-verify.js";
import { createAdmissions } from "./ledger/admission.js";
import { createLedger, openLedgerBucket } from "./ledger/kv-ledger.js";
import { createReservationPricer } from "./ledger/reserve.js";
import { createModelAccess } from "./models.js";
import { connectStore } from "./nats.js";
import { createResolver } from "./principal.js";
import { policyRoutes } from "./server.js";
import { createSpendReader, isMissingBucket, liveSpendBucket, recordedSpend } from "./spend.js";

const log = createLogger("policy");
await main(log, async () => {
  // Only the resolver sees the master key (it keeps its digest); only the hasher sees the hash secret.
  const {
    masterKey,
    keyHashSecret,
    natsServers,
    natsAuth,
    kvReplicas,
    admissionTtlMs,
    startupTimeoutMs,
    deployments,
    router,
    jwtAuth,
    ...service
  } = readSettings();
  // Ready only once the initial KV load is in memory: the servers start after it.
  const nats =
    natsServers.length > 0
      ? await connectStore({
          servers: natsServers,
          auth: natsAuth,
          replicas: kvReplicas,
          deadline: Date.now() + startupTimeoutMs,
          log,
        })
      : undefined;
  const store = nats?.store;
  const hasher = store ? createKeyHasher(keyHashSecret) : undefined;
  const resolver = createResolver({ masterKey, state: store?.state, hasher });
  const models = createModelAccess(deployments);
  const credentials = createAuthorizer({ resolver, models, endUserLimits: store?.state.endUserLimits });
  // Rate limits and budgets need the shared ledger, so they exist only with NATS (without it only the master key
  // works, and nothing limits it).
  const ledgerKv = nats ? await openLedgerBucket(nats.nc, kvReplicas) : undefined;
  const live = nats ? liveSpendBucket(nats.nc) : undefined;
  const spentBefore = live ? recordedSpend(live) : undefined;
  const admissions =
    store && ledgerKv
      ? createAdmissions({
          state: store.state,
          ledger: createLedger(ledgerKv),
          pricer: createReservationPricer(deployments, router),
          ttlMs: admissionTtlMs,
          log,
          // Without metering (no live-spend bucket) nothing was recorded: start from 0. Any other failure fails the
          // admission (503) rather than starting a budget from a wrong amount.
          ...(spentBefore
            ? {
                recordedSpend: (kind, id, from) =>
                  spentBefore(kind, id, from).catch((err: unknown) => {
                    if (isMissingBucket(err)) return 0n;
                    throw err;
                  }),
              }
            : {}),
        })
      : undefined;
  const spend = ledgerKv ? createSpendReader(ledgerKv, live) : undefined;
  // JWTs are verified only when configured; otherwise a JWT is just an unknown key.
  const authorizer = jwtAuth
    ? createJwtAuthorizer({
        credentials,
        verifier: createJwtVerifier(jwtAuth),
        settings: jwtAuth,
        models,
        state: store?.state,
        endUserLimits: store?.state.endUserLimits,
      })
    : credentials;
  const counted = countDecisions(authorizer, metricsRegistry());
  const [routes, watchers] = policyRoutes({ authorizer: counted, admissions, log });
  const audit = nats ? createAuditPublisher(nats.nc, { log }) : undefined;
  adminRoutes({ resolver, store, hasher, log, audit, spend }, routes);
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
