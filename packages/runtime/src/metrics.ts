// Prometheus metrics. Every module of a process registers its metrics in one registry, which the host serves at
// `GET /metrics` in the text exposition format. prom-client's classes are re-exported so packages depend on the
// runtime rather than on their own copy of prom-client (two copies would not share a registry type).

import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The prefix of the default process metrics: `switchyard_process_cpu_seconds_total`, `switchyard_nodejs_*`. */
export const METRICS_PREFIX = "switchyard_";

let shared: Registry | undefined;

/**
 * How often the event-loop delay is sampled (ms). prom-client samples every 10 ms, which woke every idle service about
 * 100 times a second; between requests those wake-ups compete with the request path for the CPU and its caches. Ten
 * samples a second still give every scrape hundreds.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The event-loop delay gauges, under prom-client's names (`nodejs_eventloop_lag_*`). */
const LOOP_GAUGES = {
  min: ["min", "The minimum recorded event loop delay."],
  max: ["max", "The maximum recorded event loop delay."],
  mean: ["mean", "The mean of the recorded event loop delays."],
  stddev: ["stddev", "The standard deviation of the recorded event loop delays."],
  p50: ["p50", "The 50th percentile of the recorded event loop delays."],
  p90: ["p90", "The 90th percentile of the recorded event loop delays."],
  p99: ["p99", "The 99th percentile of the recorded event loop delays."],
} as const;

/**
 * Replaces prom-client's event-loop delay metrics (same names, same meaning) with ones sampled every
 * EVENT_LOOP_SAMPLE_MS. The histogram records the time between its timer's runs, so the delay is what exceeds the
 * sampling interval; prom-client reports the whole interval, which reads 10 ms on an idle loop.
 */
function addEventLoopDelay(registry: Registry, prefix: string): void {
  const name = (suffix: string) => `${prefix}nodejs_eventloop_lag${suffix ? `_${suffix}` : ""}_seconds`;
  registry.removeSingleMetric(name(""));
  for (const [suffix] of Object.values(LOOP_GAUGES)) registry.removeSingleMetric(name(suffix));
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  histogram.enable();
  const intervalNs = EVENT_LOOP_SAMPLE_MS * 1e6;
  const delay = (ns: number) => Math.max(0, ns - intervalNs) / 1e9;
  const gauge = (suffix: string, help: string) => new Gauge({ name: name(suffix), help, registers: [registry] });
  // Registered first: a registry collects its metrics in order, and this one's collect sets the others.
  new Gauge({
    name: name(""),
    help: "Lag of event loop in seconds.",
    registers: [registry],
    collect() {
      // As prom-client does: the time a setImmediate queued now takes to run, reported at the next scrape.
      const start = process.hrtime.bigint();
      setImmediate(() => this.set(Number(process.hrtime.bigint() - start) / 1e9));
      if (histogram.count === 0) return; // no sample since the last scrape: keep the last values
      g.min.set(delay(histogram.min));
      g.max.set(delay(histogram.max));
      g.mean.set(delay(histogram.mean));
      g.stddev.set(histogram.stddev / 1e9);
      g.p50.set(delay(histogram.percentile(50)));
      g.p90.set(delay(histogram.percentile(90)));
      g.p99.set(delay(histogram.percentile(99)));
      histogram.reset();
    },
  });
  const g = {
    min: gauge(...LOOP_GAUGES.min),
    max: gauge(...LOOP_GAUGES.max),
    mean: gauge(...LOOP_GAUGES.mean),
    stddev: gauge(...LOOP_GAUGES.stddev),
    p50: gauge(...LOOP_GAUGES.p50),
    p90: gauge(...LOOP_GAUGES.p90),
    p99: gauge(...LOOP_GAUGES.p99),
  };
}

/** A new registry holding the default process and Node.js metrics, labelled with `service` when given. */
export function createMetricsRegistry(service?: string): Registry {
  const registry = new Registry();
  // prom-client's own event-loop monitor cannot be left out: it samples once an hour, and addEventLoopDelay
  // replaces its gauges.
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX, eventLoopMonitoringPrecision: 3_600_000 });
  addEventLoopDelay(registry, METRICS_PREFIX);
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
