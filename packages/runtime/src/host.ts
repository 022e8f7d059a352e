import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { createConnectHandler } from "./connect/server.js";
import type { Routes } from "./connect/service.js";
import { bindServer } from "./grpc.js";
import { createHealth, type Health } from "./health.js";
import { handleMetricsHttp, metricsRegistry, type Registry } from "./metrics.js";

/** What a service host serves. */
export interface HostOptions {
  /** `host:port` of the gRPC server; port 0 picks a free one. */
  grpcAddress: string;
  /** `host:port` of the HTTP server (`/healthz`, `/readyz`, `/metrics` and `http`'s routes). */
  httpAddress: string;
  /** Fully-qualified gRPC service names reported by the health service. */
  serviceNames: readonly string[];
  /** Registers service implementations on the gRPC server (the public API); internal services register none. */
  register?(server: grpc.Server): void;
  /**
   * Connect routes served on the HTTP server (the internal hops). While the host is not ready (starting or
   * draining) they answer a retryable `unavailable`.
   */
  connect?: Routes;
  /** Handles HTTP requests other than the health probes, `/metrics` and Connect routes; 404 when absent. */
  http?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The registry `GET /metrics` serves: the process-wide one by default; false serves no `/metrics`. */
  metrics?: Registry | false;
  /**
   * `host:port` of a separate HTTP server that answers only `GET /metrics` (the process-wide registry): for a
   * service whose HTTP port is public (the ingress), so metrics reach Prometheus without reaching clients.
   */
  metricsAddress?: string;
  /** Largest HTTP header block accepted (bytes). */
  maxHeaderSize?: number;
}

/** A started gRPC + HTTP pair sharing one readiness state. */
export interface Host {
  readonly grpcServer: grpc.Server;
  readonly httpServer: HttpServer;
  readonly health: Health;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The separate metrics server, when `metricsAddress` was given. */
  readonly metricsServer?: HttpServer;
  readonly metricsPort?: number;
}

/** Splits `host:port`, accepting `[v6]:port`; fails with the offending value. */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65535) throw new Error(`expected host:port, got "${address}"`);
  return { host: match[1] || "0.0.0.0", port };
}

/** Server options for every internal gRPC server: accept client keep-alive pings, allow large requests. */
export const serverOptions: grpc.ServerOptions = {
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
};

/** Starts the gRPC and HTTP servers of a service; it is not ready until `health.setReady(true)`. */
export async function startHost(options: HostOptions): Promise<Host> {
  const grpcServer = new grpc.Server(serverOptions);
  const health = createHealth(options.serviceNames);
  health.addTo(grpcServer);
  options.register?.(grpcServer);
  const grpcPort = await bindServer(grpcServer, options.grpcAddress);
  const routes = options.connect;
  const serveConnect = routes && createConnectHandler(routes, { draining: () => !health.ready });
  const metrics = options.metrics === false ? undefined : (options.metrics ?? metricsRegistry());
  const httpServer = createServer({ maxHeaderSize: options.maxHeaderSize ?? 16 * 1024 }, (req, res) => {
    if (health.handleHttp(req, res)) return;
    if (metrics && handleMetricsHttp(metrics, req, res)) return;
    if (serveConnect && req.url && routes.has(req.url)) return serveConnect(req, res);
    if (options.http) return options.http(req, res);
    if (serveConnect) return serveConnect(req, res);
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
  });
  httpServer.keepAliveTimeout = 65_000;
  await listen(httpServer, options.httpAddress);
  const host: Host = { grpcServer, httpServer, health, grpcPort, httpPort: (httpServer.address() as AddressInfo).port };
  if (!options.metricsAddress) return host;
  const registry = metricsRegistry();
  const metricsServer = createServer({ maxHeaderSize: 8 * 1024 }, (req, res) => {
    if (handleMetricsHttp(registry, req, res)) return;
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  await listen(metricsServer, options.metricsAddress);
  return { ...host, metricsServer, metricsPort: (metricsServer.address() as AddressInfo).port };
}

async function listen(server: HttpServer, address: string): Promise<void> {
  const { host, port } = splitAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
