// Prometheus metrics. Every module of a process registers its metrics in one registry, which the host serves at
// `GET /metrics` in the text exposition format. prom-client's classes are re-exported so packages depend on the
// runtime rather than on their own copy of prom-client (two copies would not share a registry type).

import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The prefix of the default process metrics: `switchyard_process_cpu_seconds_total`, `switchyard_nodejs_*`. */
export const METRICS_PREFIX = "switchyard_";

let shared: Registry | undefined;

/** A new registry holding the default process and Node.js metrics, labelled with `service` when given. */
export function createMetricsRegistry(service?: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  if (service !== undefined) registry.setDefaultLabels({ service });
  return registry;
}

/** The process-wide registry `/metrics` serves by default; created with the default metrics on first use. */
export function metricsRegistry(): Registry {
  shared ??= createMetricsRegistry();
  return shared;
}

/** Labels every metric of the process-wide registry with `service="<name>"`; each process calls it once at start. */
export function setMetricsService(service: string): void {
  metricsRegistry().setDefaultLabels({ service });
}

/**
 * Answers `GET /metrics` (and HEAD) with `registry` in the Prometheus text format, 405 for other methods; returns
 * false for any other path.
 */
export function handleMetricsHttp(registry: Registry, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url?.split("?", 1)[0] !== "/metrics") return false;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res
      .writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" })
      .end('{"error":"method not allowed"}');
    return true;
  }
  registry.metrics().then(
    (text) => {
      res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(text) });
      res.end(req.method === "HEAD" ? undefined : text);
    },
    () => {
      // A collector failed (a bug in a collect callback); the scrape shows up as failed in Prometheus.
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":"metrics collection failed"}');
    },
  );
  return true;
}
