// Publishing audit events to JetStream on the admin call's path: the call returns only once JetStream has
// acknowledged every event it produced. Each event goes out with its id as `Nats-Msg-Id`, so a retry of a publish
// that did land is dropped by the stream's duplicate window; failures are retried with the same id for a bounded
// time (re-ensuring the stream in between, in case it was deleted), and an event that still is not stored is logged
// in full (it holds no secret) and counted, never dropped silently.

import { setTimeout as sleep } from "node:timers/promises";
import { toBinary, toJson } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { policy } from "@switchyard/proto";
import { Counter, type Logger, metricsRegistry, type Registry } from "@switchyard/runtime";
import { AUDIT_CONTENT_TYPE, AUDIT_SUBJECT, type AuditStreamOptions, ensureAuditStream } from "@switchyard/usage";

/** Where audit events go; `publish` resolves once every event is stored, and rejects when one could not be. */
export interface AuditSink {
  publish(events: readonly policy.AuditEvent[]): Promise<void>;
}

/** Options of `createAuditPublisher`. */
export interface AuditPublisherOptions {
  log: Logger;
  /** How long one event is retried before the call gives up on it (default 5 s). */
  timeoutMs?: number;
  /** Longest wait for one acknowledgement (default 2 s). */
  ackTimeoutMs?: number;
  /** The registry of the metrics (default: the process-wide one). */
  registry?: Registry;
  stream?: AuditStreamOptions;
}

/** The audit metrics of one registry. */
export interface AuditMetrics {
  /** `switchyard_audit_events_published_total`: events JetStream acknowledged. */
  readonly published: Counter;
  /** `switchyard_audit_publish_retries_total`: publish attempts that failed and were retried with the same id. */
  readonly retries: Counter;
  /** `switchyard_audit_events_failed_total`: events given up after the retry time; each also logged at error level. */
  readonly failed: Counter;
}

const byRegistry = new WeakMap<Registry, AuditMetrics>();

/** The audit metrics of `registry`, registered on first use. */
export function auditMetrics(registry: Registry): AuditMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: AuditMetrics = {
    published: new Counter({
      name: "switchyard_audit_events_published_total",
      help: "Admin audit events acknowledged by JetStream.",
      registers,
    }),
    retries: new Counter({
      name: "switchyard_audit_publish_retries_total",
      help: "Admin audit event publish attempts that failed; the event is retried with the same id.",
      registers,
    }),
    failed: new Counter({
      name: "switchyard_audit_events_failed_total",
      help: "Admin audit events not stored within the retry time: the change was made, the call answered an error.",
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A sink publishing to the audit stream on `nc` (the policy's own connection). */
export function createAuditPublisher(nc: NatsConnection, options: AuditPublisherOptions): AuditSink {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 2_000;
  const metrics = auditMetrics(options.registry ?? metricsRegistry());
  const js = jetstream(nc, { timeout: ackTimeoutMs });

  /** Makes sure the stream is there; its failure is only logged, the next publish attempt tells. */
  const ensure = async () => {
    try {
      await ensureAuditStream(await jetstreamManager(nc, { timeout: ackTimeoutMs }), options.stream);
    } catch (err) {
      log.warn({ err: messageOf(err) }, "audit stream not ready");
    }
  };

  const publishOne = async (event: policy.AuditEvent): Promise<void> => {
    const payload = toBinary(policy.AuditEventSchema, event);
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const h = natsHeaders();
        h.set("content-type", AUDIT_CONTENT_TYPE);
        await js.publish(AUDIT_SUBJECT, payload, { msgID: event.eventId, headers: h, timeout: ackTimeoutMs });
        metrics.published.inc();
        return;
      } catch (err) {
        const pause = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempt - 1));
        if (Date.now() + pause >= deadline || nc.isClosed()) {
          metrics.failed.inc();
          // The whole event, so the change stays on record somewhere: it holds no secret (audit.ts redacts).
          log.error(
            { err: messageOf(err), attempts: attempt, event: toJson(policy.AuditEventSchema, event) },
            "AUDIT EVENT NOT STORED: an admin change was made but is missing from the audit log",
          );
          throw err;
        }
        metrics.retries.inc();
        if (attempt === 1) log.warn({ err: messageOf(err), eventId: event.eventId }, "audit publish failed; retrying");
        // No stream to take the subject (deleted, or a NATS that lost its store): create it again.
        await ensure();
        await sleep(pause);
      }
    }
  };

  return {
    async publish(events) {
      const results = await Promise.allSettled(events.map(publishOne));
      const failure = results.find((r) => r.status === "rejected");
      if (failure) throw failure.reason;
    },
  };
}
