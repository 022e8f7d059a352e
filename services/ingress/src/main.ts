import { allFiles } from "@switchyard/proto";
import { addReflection, connect, createLogger, main, serve } from "@switchyard/runtime";
import { createAuthenticator } from "./auth.js";
import { readSettings } from "./config.js";
import { createFailOpen } from "./fail-open.js";
import { registerGatewayApi } from "./grpc-api.js";
import { createLimiter, limitRouter } from "./limits.js";
import { createRestHandler } from "./rest.js";
import { createRouterClient } from "./upstream.js";

const log = createLogger("ingress");
await main(log, async () => {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const policyClient = connect.createConnectClient(settings.policyAddress);
  const routerClient = connect.createConnectClient(settings.routerAddress);
  const meteringClient = settings.meteringAddress ? connect.createConnectClient(settings.meteringAddress) : undefined;
  const failOpen = settings.config.general.allowRequestsOnDbUnavailable ? createFailOpen(log) : undefined;
  const auth = createAuthenticator(policyClient, log, { failOpen });
  // Every chat call, REST or gRPC, goes through this one client: admitted against the limits, then routed.
  const limiter = createLimiter(policyClient, log, { failOpen, prefetch: settings.prefetchAdmissions });
  const router = limitRouter(createRouterClient(routerClient, settings.config.router), limiter);
  const gatewayService = "switchyard.gateway.v1.GatewayService";
  let ready = () => false;
  const host = await serve({
    ...settings,
    log,
    serviceNames: [gatewayService],
    // The REST port is public: metrics would disclose deployments and traffic to any caller.
    metrics: false,
    register: (server) => {
      registerGatewayApi(server, { auth, router, log });
      addReflection(server, allFiles, [gatewayService]);
    },
    http: createRestHandler({
      auth,
      router,
      metering: meteringClient,
      policy: policyClient,
      log,
      maxBodyBytes: settings.config.general.maxRequestBodyBytes,
      // Not ready (starting or draining): new requests get 503 so clients retry elsewhere.
      draining: () => !ready(),
    }),
    onClosed: async () => {
      // Settles still waiting go out before the policy client closes.
      await limiter.close?.();
      auth.close();
      await Promise.all([policyClient.close(), routerClient.close(), meteringClient?.close()]);
    },
  });
  ready = () => host.health.ready;
});
