import { allFiles } from "@switchyard/proto";
import { addReflection, connect, createLogger, main, metricsRegistry, serve } from "@switchyard/runtime";
import { observeGrpc, observeRest } from "./access.js";
import { createAuthenticator } from "./auth.js";
import { readSettings } from "./config.js";
import { createFailOpen } from "./fail-open.js";
import { registerGatewayApi } from "./grpc-api.js";
import { createLimiter, limitRouter } from "./limits.js";
import { ingressMetrics, measureRouter, modelLabels } from "./request-metrics.js";
import { createRestHandler } from "./rest.js";
import { createRouterClient } from "./upstream.js";

const log = createLogger("ingress");
// The ingress's outgoing calls (policy, router) cannot all be tied to their request by a signal: while tracing is on,
// it propagates the trace context through AsyncLocalStorage (asyncContext).
await main(
  log,
  async () => {
    const settings = readSettings();
    for (const warning of settings.config.warnings) log.warn(warning, "config");
    const policyClient = connect.createConnectClient(settings.policyAddress);
    const routerClient = connect.createConnectClient(settings.routerAddress);
    const meteringClient = settings.meteringAddress ? connect.createConnectClient(settings.meteringAddress) : undefined;
    const failOpen = settings.config.general.allowRequestsOnDbUnavailable ? createFailOpen(log) : undefined;
    const auth = createAuthenticator(policyClient, log, { failOpen });
    // Every chat call, REST or gRPC, goes through this one client: admitted against the limits, then routed.
    const limiter = createLimiter(policyClient, log, { failOpen, prefetch: settings.prefetchAdmissions });
    // Measured outermost, so the request metrics include the wait for admission.
    const metrics = ingressMetrics(metricsRegistry());
    const limited = limitRouter(createRouterClient(routerClient, settings.config.router), limiter);
    const router = measureRouter(limited, metrics, modelLabels(settings.config.deployments));
    // Every request gets one access-log line, is counted in flight and, while tracing, gets its server span.
    const observed = { log, metrics };
    const gatewayService = "switchyard.gateway.v1.GatewayService";
    let ready = () => false;
    const host = await serve({
      ...settings,
      log,
      serviceNames: [gatewayService],
      // The REST port is public: metrics would disclose deployments and traffic to any caller.
      metrics: false,
      register: (server) => {
        registerGatewayApi(observeGrpc(server, observed), { auth, router, log });
        addReflection(server, allFiles, [gatewayService]);
      },
      http: observeRest(
        createRestHandler({
          auth,
          router,
          metering: meteringClient,
          policy: policyClient,
          log,
          maxBodyBytes: settings.config.general.maxRequestBodyBytes,
          // Not ready (starting or draining): new requests get 503 so clients retry elsewhere.
          draining: () => !ready(),
        }),
        observed,
      ),
      onClosed: async () => {
        // Settles still waiting go out before the policy client closes.
        await limiter.close?.();
        auth.close();
        await Promise.all([policyClient.close(), routerClient.close(), meteringClient?.close()]);
      },
    });
    ready = () => host.health.ready;
  },
  { asyncContext: true },
);
