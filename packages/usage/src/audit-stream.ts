// The JetStream stream admin audit events travel on. The policy service publishes one switchyard.policy.v1.AuditEvent
// per changed record and the metering service stores them in ClickHouse; both make sure the stream exists with these
// settings at startup, as for usage events (stream.ts).

import { type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";

/** The stream holding audit events until the metering service has stored them. */
export const AUDIT_STREAM = "SWITCHYARD_AUDIT";
/** Every audit event is published to this subject. */
export const AUDIT_SUBJECT = "switchyard.audit.v1";
/** The durable consumer of the metering service on the audit stream. */
export const AUDIT_CONSUMER = "switchyard-metering-audit";
/** The `content-type` header of every audit message: a binary switchyard.policy.v1.AuditEvent. */
export const AUDIT_CONTENT_TYPE = "application/x-protobuf; proto=switchyard.policy.v1.AuditEvent";

/** Stream settings operators may tune. */
export interface AuditStreamOptions {
  /** Replicas in a clustered NATS; 1 on a single server. */
  replicas?: number;
  /** How long unconsumed events are kept (default 30 days: a metering outage shorter than this loses nothing). */
  maxAgeMs?: number;
  /** The window in which JetStream drops a re-published event id (default 10 minutes). */
  duplicateWindowMs?: number;
}

/**
 * Creates the audit stream, or updates the settings of an existing one. Idempotent. Without `replicas` an existing
 * stream keeps its replica count, so the policy (which sets it) and the metering service (which does not) never
 * undo each other's settings.
 */
export async function ensureAuditStream(jsm: JetStreamManager, options: AuditStreamOptions = {}): Promise<void> {
  const config = {
    name: AUDIT_STREAM,
    subjects: [AUDIT_SUBJECT],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: options.replicas ?? 1,
    max_age: nanos(options.maxAgeMs ?? 30 * 24 * 3600_000),
    duplicate_window: nanos(options.duplicateWindowMs ?? 10 * 60_000),
  };
  let existing: number | undefined;
  try {
    existing = (await jsm.streams.info(AUDIT_STREAM)).config.num_replicas;
  } catch {
    try {
      await jsm.streams.add(config);
      return;
    } catch {
      // Another process created it between our info and add: fall through to the update.
    }
  }
  await jsm.streams.update(AUDIT_STREAM, { ...config, num_replicas: options.replicas ?? existing ?? 1 });
}
