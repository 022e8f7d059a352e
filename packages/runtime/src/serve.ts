import { tuneHeap } from "./heap.js";
import { type Host, type HostOptions, startHost } from "./host.js";
import { drainOnSignal } from "./lifecycle.js";
import type { Logger } from "./log.js";
import { setMetricsService } from "./metrics.js";
import { startTracing, tracingOffReason } from "./tracing.js";

/** What every service passes to `serve`: its host, its drain settings and hooks. */
export interface ServeOptions extends HostOptions {
  log: Logger;
  drainDelayMs: number;
  drainGraceMs: number;
  /** Runs when draining starts (end watches, refuse new work). */
  onDraining?: () => void;
  /** Runs after the servers stopped (close clients and pools). */
  onClosed?: () => Promise<void> | void;
  /** Extra fields for the "listening" log line. */
  info?: Record<string, unknown>;
}

/**
 * Starts a service's servers, drains them on SIGTERM/SIGINT, marks the service ready and logs its ports:
 * the one start-up sequence every service shares.
 */
export async function serve(options: ServeOptions): Promise<Host> {
  const host = await startHost(options);
  drainOnSignal({
    health: host.health,
    log: options.log,
    grpcServers: [host.grpcServer],
    httpServers: host.metricsServer ? [host.httpServer, host.metricsServer] : [host.httpServer],
    delayMs: options.drainDelayMs,
    graceMs: options.drainGraceMs,
    onDraining: options.onDraining,
    onClosed: options.onClosed,
  });
  host.health.setReady(true);
  const metricsPort = host.metricsPort === undefined ? {} : { metricsPort: host.metricsPort };
  options.log.info({ grpcPort: host.grpcPort, httpPort: host.httpPort, ...metricsPort, ...options.info }, "listening");
  return host;
}

/**
 * Runs a service's start-up; a failure is one fatal log line with the reason (no stack) and exit code 1. The
 * logger's `service` names the process in its metrics and traces too; tracing starts here when OTEL_* asks for it
 * (`asyncContext`: see `TracingOptions`), and the heap's growth is set here (heap.ts).
 */
export async function main(
  log: Logger,
  start: () => Promise<unknown>,
  options: { asyncContext?: boolean } = {},
): Promise<void> {
  const heap = tuneHeap(process.env);
  if ("error" in heap) {
    log.fatal({ err: heap.error }, "failed to start");
    process.exit(1);
  }
  const service: unknown = log.bindings().service;
  if (typeof service === "string") {
    setMetricsService(service);
    const traced = startTracing(service, process.env, options);
    if (traced.warning) log.warn(traced.warning);
    if (traced.enabled) log.info("tracing: exporting spans over OTLP/HTTP");
    else log.debug({ reason: tracingOffReason(process.env) }, "tracing off");
  }
  try {
    await start();
  } catch (err) {
    log.fatal({ err: err instanceof Error ? err.message : String(err) }, "failed to start");
    process.exit(1);
  }
}
