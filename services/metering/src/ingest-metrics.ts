// Prometheus metrics of the ingest pipeline, read from its stats at scrape time: how far behind metering is, how much
// waits for it in JetStream, and whether storing is failing. Nothing is counted on the ingest path itself.

import { Counter, Gauge, type Registry } from "@switchyard/runtime";
import type { IngestStats } from "./ingest.js";

/** A counter that follows a monotonic total read at scrape time. */
function followingCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > seen) this.inc(total - seen);
      seen = total;
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** Registers the ingest metrics of `stats` on `registry`. */
export function registerIngestMetrics(registry: Registry, stats: () => IngestStats): void {
  gauge(
    registry,
    "switchyard_metering_lag_seconds",
    "Publish-to-acknowledgement time of the oldest usage event of the last stored batch.",
    () => stats().lagMs / 1000,
  );
  gauge(
    registry,
    "switchyard_metering_rollup_lag_seconds",
    "Publish-to-rollup time of the oldest usage event of the last recompute: how stale spend reports and budgets are.",
    () => stats().rollupLagMs / 1000,
  );
  gauge(
    registry,
    "switchyard_metering_pending_messages",
    "Usage events JetStream still held for the metering consumer when the last batch was delivered.",
    () => stats().pending,
  );
  gauge(
    registry,
    "switchyard_metering_held_messages",
    "Usage events fetched and not yet acknowledged (being stored or rolled up).",
    () => stats().heldMessages,
  );
  gauge(
    registry,
    "switchyard_metering_live_spend_pending",
    "Live-spend day totals (per key, team, user or end user) waiting to be written to the KV bucket.",
    () => stats().spendPending,
  );
  gauge(
    registry,
    "switchyard_metering_store_failing",
    "1 while inserts or rollups into ClickHouse fail and fetching is paused, else 0.",
    () => (stats().failing ? 1 : 0),
  );
  followingCounter(
    registry,
    "switchyard_metering_events_stored_total",
    "Distinct usage events stored in ClickHouse and acknowledged.",
    () => stats().events,
  );
  followingCounter(
    registry,
    "switchyard_metering_messages_rejected_total",
    "Messages on the usage stream that were not usage events (terminated, never stored).",
    () => stats().rejected,
  );
}
