import { allFiles } from "@switchyard/proto";
import { addReflection, connect, createLogger, drainOnSignal, startHost } from "@switchyard/runtime";
import { createAuthenticator } from "./auth.js";
import { readSettings } from "./config.js";
import { registerGatewayApi } from "./grpc-api.js";
import { createRestHandler } from "./rest.js";
import { createRouterClient } from "./upstream.js";

const log = createLogger("ingress");
try {
  const settings = readSettings();
  for (const warning of settings.config.warnings) log.warn(warning, "config");
  const policyClient = connect.createConnectClient(settings.policyAddress);
  const routerClient = connect.createConnectClient(settings.routerAddress);
  const auth = createAuthenticator(policyClient, log);
  const router = createRouterClient(routerClient);
  const gatewayService = "switchyard.gateway.v1.GatewayService";
  const host = await startHost({
    grpcAddress: settings.grpcAddress,
    httpAddress: settings.httpAddress,
    serviceNames: [gatewayService],
    register: (server) => {
      registerGatewayApi(server, { auth, router, log });
      addReflection(server, allFiles, [gatewayService]);
    },
    http: createRestHandler({
      auth,
      router,
      log,
      maxBodyBytes: settings.config.general.maxRequestBodyBytes,
      // Not ready (starting or draining): new requests get 503 so clients retry elsewhere.
      draining: () => !host.health.ready,
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
      auth.close();
      await Promise.all([policyClient.close(), routerClient.close()]);
    },
  });
  host.health.setReady(true);
  log.info({ httpPort: host.httpPort, grpcPort: host.grpcPort }, "listening");
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, "failed to start");
  process.exit(1);
}
