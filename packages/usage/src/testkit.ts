// Helpers of the publisher specs: events, a log that records, and reading back what the stream holds.

import { create, fromBinary } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { metering } from "@switchyard/proto";
import type { NatsAuth } from "./nats-settings.js";
import type { PublisherLog } from "./options.js";
import { USAGE_STREAM } from "./stream.js";

/** One log call as the publisher made it. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

/** A log that keeps every line, with a lookup by message. */
export interface RecordingLog extends PublisherLog {
  readonly lines: LogLine[];
  /** The lines whose message contains `text`. */
  find(text: string): LogLine[];
}

/** Creates a log that records instead of printing. */
export function recordingLog(): RecordingLog {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (...args: unknown[]): void => {
      const [first, second] = args;
      if (typeof first === "string") lines.push({ level, fields: {}, msg: first });
      else lines.push({ level, fields: (first ?? {}) as Record<string, unknown>, msg: String(second ?? "") });
    };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    find: (text) => lines.filter((line) => line.msg.includes(text)),
  };
}

/** A usage event with id `id`, as the worker's meter would make it. */
export function usageEvent(id: string): metering.UsageEvent {
  return create(metering.UsageEventSchema, {
    eventId: id,
    requestId: `req-${id}`,
    attempt: 1,
    startedAtMs: 1_700_000_000_000n,
    endedAtMs: 1_700_000_000_250n,
    tokens: { prompt: 12, completion: 34 },
    costNanos: 5_000n,
    operation: "chat.completions",
    status: metering.Status.OK,
    httpStatus: 200,
  });
}

/** One message of the usage stream. */
export interface StoredUsage {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly contentType: string | undefined;
  readonly event: metering.UsageEvent;
}

/** Every message of the usage stream on `url`, in sequence order (read with an ordered consumer); none without one. */
export async function readUsageStream(url: string, auth: NatsAuth = {}): Promise<StoredUsage[]> {
  const nc = await connect({ ...auth, servers: url });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(USAGE_STREAM).catch(() => undefined);
    const out: StoredUsage[] = [];
    if (!info || info.state.messages === 0) return out;
    const messages = await (await jetstream(nc).consumers.get(USAGE_STREAM)).consume();
    try {
      for await (const msg of messages) {
        out.push({
          subject: msg.subject,
          msgId: msg.headers?.get("Nats-Msg-Id") || undefined,
          contentType: msg.headers?.get("content-type") || undefined,
          event: fromBinary(metering.UsageEventSchema, msg.data),
        });
        if (msg.seq >= info.state.last_seq) break;
      }
    } finally {
      await messages.close();
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** Deletes the usage stream on `url` if it exists, so a spec starts from an empty one. */
export async function deleteUsageStream(url: string, auth: NatsAuth = {}): Promise<void> {
  const nc = await connect({ ...auth, servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(USAGE_STREAM).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Resolves once `check` holds, polling every 20 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
