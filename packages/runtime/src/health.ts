import type { IncomingMessage, ServerResponse } from "node:http";
import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";

/** Readiness shared by a service's gRPC health service and its HTTP probes. */
export interface Health {
  /** True once the service can take traffic and until it starts draining. */
  readonly ready: boolean;
  setReady(ready: boolean): void;
  /** Registers the standard grpc.health.v1.Health service on a server. */
  addTo(server: grpc.Server): void;
  /** Answers `/healthz` and `/readyz`; returns false for any other path. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Creates the health state of a service; `services` are the gRPC service names it reports on. */
export function createHealth(services: readonly string[]): Health {
  const impl = new HealthImplementation({
    "": "NOT_SERVING",
    ...Object.fromEntries(services.map((s) => [s, "NOT_SERVING"])),
  });
  let ready = false;
  return {
    get ready() {
      return ready;
    },
    setReady(value) {
      ready = value;
      const status = value ? "SERVING" : "NOT_SERVING";
      impl.setStatus("", status);
      for (const s of services) impl.setStatus(s, status);
    },
    addTo(server) {
      impl.addToServer(server);
    },
    handleHttp(req, res) {
      const path = req.url?.split("?", 1)[0];
      if (path === "/healthz" || path === "/livez") {
        reply(res, 200, { status: "ok" });
        return true;
      }
      // LiteLLM's probe paths, so existing Kubernetes manifests keep working.
      if (path === "/health/liveliness" || path === "/health/liveness") {
        reply(res, 200, "I'm alive!");
        return true;
      }
      if (path === "/readyz") {
        reply(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready" });
        return true;
      }
      if (path === "/health/readiness") {
        reply(res, ready ? 200 : 503, { status: ready ? "healthy" : "unhealthy" });
        return true;
      }
      return false;
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
