import type { Server as HttpServer } from "node:http";
import type * as grpc from "@grpc/grpc-js";
import type { Health } from "./health.js";
import type { Logger } from "./log.js";
import { stopTracing } from "./tracing.js";

/** What a service drains on shutdown. */
export interface DrainTargets {
  health: Health;
  log: Logger;
  grpcServers?: grpc.Server[];
  httpServers?: HttpServer[];
  /** Runs once new calls are refused, before waiting for in-flight ones (end open-ended streams such as watches). */
  onDraining?: () => void;
  /** Extra work after servers stop (close clients, flush buffers). */
  onClosed?: () => Promise<void> | void;
  /** Time to wait after turning not-ready before refusing connections, so load balancers notice. */
  delayMs?: number;
  /** Longest time in-flight requests and streams get to finish before they are cut. */
  graceMs?: number;
}

/**
 * Drains a service: marks it not ready, waits `delayMs`, stops accepting connections, lets in-flight
 * requests and streams finish for up to `graceMs`, then forces the rest closed.
 */
export async function drain(t: DrainTargets): Promise<void> {
  t.health.setReady(false);
  t.log.info({ delayMs: t.delayMs ?? 0, graceMs: t.graceMs ?? 30_000 }, "draining");
  if (t.delayMs) await new Promise((r) => setTimeout(r, t.delayMs));
  const graceMs = t.graceMs ?? 30_000;
  const pending: Promise<void>[] = [];
  for (const server of t.grpcServers ?? []) {
    pending.push(new Promise((resolve) => server.tryShutdown(() => resolve())));
  }
  for (const server of t.httpServers ?? []) {
    pending.push(new Promise((resolve) => server.close(() => resolve())));
    server.closeIdleConnections();
  }
  t.onDraining?.();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    Promise.all(pending).then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    t.log.warn({ graceMs }, "grace period over, closing remaining connections");
    for (const server of t.grpcServers ?? []) server.forceShutdown();
    for (const server of t.httpServers ?? []) server.closeAllConnections();
  }
  await t.onClosed?.();
  // The spans of the last requests leave before the process does.
  await stopTracing();
  t.log.info("drained");
}

/** Runs `drain` on the first SIGTERM or SIGINT, then exits; a second signal exits at once. */
export function drainOnSignal(targets: DrainTargets): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) process.exit(1);
    draining = true;
    targets.log.info({ signal }, "shutdown requested");
    drain(targets).then(
      () => process.exit(0),
      (err: unknown) => {
        targets.log.error({ err }, "drain failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
