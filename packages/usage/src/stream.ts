// The JetStream stream usage events travel on. The provider worker publishes to it and the metering
// service consumes from it; both make sure it exists with these settings at startup.

import { type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";

/** The stream holding usage events until the metering service has stored them. */
export const USAGE_STREAM = "SWITCHYARD_USAGE";
/** Usage events are published to `switchyard.usage.v1.<operation>`, e.g. `switchyard.usage.v1.chat`. */
export const USAGE_SUBJECT_PREFIX = "switchyard.usage.v1";
/** The durable consumer of the metering service. */
export const METERING_CONSUMER = "switchyard-metering";
/** The `content-type` header of every usage message: a binary switchyard.metering.v1.UsageEvent. */
export const USAGE_CONTENT_TYPE = "application/x-protobuf; proto=switchyard.metering.v1.UsageEvent";

/** Stream settings operators may tune. */
export interface UsageStreamOptions {
  /** Replicas in a clustered NATS; 1 on a single server. */
  replicas?: number;
  /** How long unconsumed events are kept (default 7 days: a metering outage shorter than this loses nothing). */
  maxAgeMs?: number;
  /** The window in which JetStream drops a re-published event id (default 10 minutes). */
  duplicateWindowMs?: number;
}

/** The subject for one operation's usage events. */
export function usageSubject(operation: string): string {
  return `${USAGE_SUBJECT_PREFIX}.${operation.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/**
 * Creates the usage stream, or updates the settings of an existing one. Idempotent; without `replicas` an existing
 * stream keeps its replica count.
 */
export async function ensureUsageStream(jsm: JetStreamManager, options: UsageStreamOptions = {}): Promise<void> {
  const config = {
    name: USAGE_STREAM,
    subjects: [`${USAGE_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: options.replicas ?? 1,
    max_age: nanos(options.maxAgeMs ?? 7 * 24 * 3600_000),
    duplicate_window: nanos(options.duplicateWindowMs ?? 10 * 60_000),
  };
  let existing: number | undefined;
  try {
    existing = (await jsm.streams.info(USAGE_STREAM)).config.num_replicas;
  } catch {
    try {
      await jsm.streams.add(config);
      return;
    } catch {
      // Another process created it between our info and add: fall through to the update.
    }
  }
  // Without `replicas`, keep what the stream has: a worker or the metering service starting with defaults must not
  // undo the replica count an operator set.
  await jsm.streams.update(USAGE_STREAM, { ...config, num_replicas: options.replicas ?? existing ?? 1 });
}
