// The publisher's Prometheus metrics. Counters are shared by every publisher on a registry; the gauges add up the
// publishers' state when scraped, so several publishers (or a replaced one) never fight over a value.

import { Counter, Gauge, type Registry } from "@switchyard/runtime";

/** What a gauge reads from one publisher at scrape time. */
export interface PendingSource {
  /** Events accepted and not yet acknowledged, in memory and in the spool. */
  readonly pending: number;
  /** Bytes of spool segment files. */
  readonly spoolBytes: number;
  /** When the oldest event not yet acknowledged was accepted (Unix ms), undefined when none is pending. */
  readonly oldestAcceptedAt?: number | undefined;
}

/** The publisher metrics of one registry. */
export interface UsageMetrics {
  /** `switchyard_usage_events_published_total`: events JetStream acknowledged (duplicates included). */
  readonly published: Counter;
  /** `switchyard_usage_events_publish_failures_total`: publish attempts that failed and will be retried. */
  readonly failures: Counter;
  /** `switchyard_usage_events_dropped_total`: events given up, by reason; each also logged at error level. */
  readonly dropped: Counter<"reason">;
  /** Adds a publisher to the `pending` and `spool_bytes` gauges; the returned function removes it. */
  track(source: PendingSource): () => void;
}

const byRegistry = new WeakMap<Registry, UsageMetrics>();

/** The usage metrics of `registry`, registered on first use. */
export function usageMetrics(registry: Registry): UsageMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const sources = new Set<PendingSource>();
  const sum = (read: (s: PendingSource) => number) => {
    let total = 0;
    for (const source of sources) total += read(source);
    return total;
  };
  const registers = [registry];
  new Gauge({
    name: "switchyard_usage_events_pending",
    help: "Usage events accepted and not yet acknowledged by JetStream (memory and spool).",
    registers,
    collect() {
      this.set(sum((s) => s.pending));
    },
  });
  new Gauge({
    name: "switchyard_usage_spool_bytes",
    help: "Bytes of usage event spool files on disk.",
    registers,
    collect() {
      this.set(sum((s) => s.spoolBytes));
    },
  });
  new Gauge({
    name: "switchyard_usage_oldest_pending_seconds",
    help: "Age of the oldest usage event not yet acknowledged by JetStream; 0 when none is pending.",
    registers,
    collect() {
      const now = Date.now();
      let oldest = now;
      for (const source of sources) oldest = Math.min(oldest, source.oldestAcceptedAt ?? now);
      this.set((now - oldest) / 1000);
    },
  });
  const metrics: UsageMetrics = {
    published: new Counter({
      name: "switchyard_usage_events_published_total",
      help: "Usage events acknowledged by JetStream.",
      registers,
    }),
    failures: new Counter({
      name: "switchyard_usage_events_publish_failures_total",
      help: "Usage event publish attempts that failed; the event is retried with the same id.",
      registers,
    }),
    dropped: new Counter({
      name: "switchyard_usage_events_dropped_total",
      help: "Usage events given up because a buffer bound was hit or the process ended with them unsent.",
      labelNames: ["reason"],
      registers,
    }),
    track(source) {
      sources.add(source);
      return () => sources.delete(source);
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
