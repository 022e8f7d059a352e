// The durable pull consumer the metering service reads usage events with. Every replica shares it: JetStream hands
// each message to one of them, and redelivers it (to any) when it is not acknowledged within the ack wait.

import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  ReplayPolicy,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { METERING_CONSUMER, USAGE_STREAM, USAGE_SUBJECT_PREFIX } from "@switchyard/usage";

/** Consumer settings derived from the service's batch settings. */
export interface ConsumerOptions {
  /** How long a delivered message may stay unacknowledged before JetStream redelivers it. */
  ackWaitMs: number;
  /**
   * Unacknowledged messages JetStream hands out across all replicas; the service itself never holds more than its
   * in-flight batches, so this only needs to cover those of every replica.
   */
  maxAckPending: number;
}

/** A durable pull consumer every replica shares: explicit acks, every message from the start, never given up on. */
export interface DurableConsumer {
  stream: string;
  name: string;
  /** The subjects it reads, e.g. `switchyard.usage.v1.>`. */
  subject: string;
  ackWaitMs: number;
  maxAckPending: number;
}

/**
 * Creates a durable consumer, or updates the settings of an existing one (ack wait, max ack pending). Idempotent, and
 * safe when replicas start together.
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, consumer: DurableConsumer): Promise<void> {
  const mutable = { ack_wait: nanos(consumer.ackWaitMs), max_ack_pending: consumer.maxAckPending, max_deliver: -1 };
  try {
    await jsm.consumers.info(consumer.stream, consumer.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    try {
      await jsm.consumers.add(consumer.stream, {
        ...mutable,
        durable_name: consumer.name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        replay_policy: ReplayPolicy.Instant,
        filter_subject: consumer.subject,
      });
      return;
    } catch {
      // Another replica created it between our info and add: fall through to the update.
    }
  }
  await jsm.consumers.update(consumer.stream, consumer.name, mutable);
}

/** Creates the metering consumer, or updates the settings of an existing one. Idempotent. */
export function ensureMeteringConsumer(jsm: JetStreamManager, options: ConsumerOptions): Promise<void> {
  return ensureDurableConsumer(jsm, {
    stream: USAGE_STREAM,
    name: METERING_CONSUMER,
    subject: `${USAGE_SUBJECT_PREFIX}.>`,
    ...options,
  });
}

/** The handle to fetch from; cheap, but it asks the server for the consumer's info, so it fails when NATS is down. */
export function meteringConsumer(js: JetStreamClient): Promise<Consumer> {
  return js.consumers.get(USAGE_STREAM, METERING_CONSUMER);
}
