// The publisher's settings: the options a caller passes, their defaults, and the environment variables a service
// reads them from.

import { intEnv, type Logger, type Registry } from "@switchyard/runtime";
import { type NatsAuth, readNatsSettings } from "./nats-settings.js";
import type { UsageStreamOptions } from "./stream.js";

/** The log methods the publisher uses (a pino Logger from `createLogger` fits). */
export type PublisherLog = Pick<Logger, "debug" | "info" | "warn" | "error">;

/** The tunable limits and timings of a publisher; every one has a default. */
export interface PublisherLimits {
  /** Most events held in memory, in flight included (default 100,000). */
  maxPendingEvents: number;
  /** Most bytes of events held in memory (default 64 MiB). */
  maxPendingBytes: number;
  /** Most bytes of spool files (default 1 GiB). */
  maxSpoolBytes: number;
  /** A spool segment file takes appends up to this size (default 4 MiB)... */
  spoolSegmentBytes: number;
  /** ...and for this long (default 5 s; keep it far below the stream's duplicate window). */
  spoolSegmentAgeMs: number;
  /** Publishes awaiting their acknowledgement at once (default 256). */
  maxInFlight: number;
  /** Longest wait for an acknowledgement before the publish counts as failed (default 5 s). */
  ackTimeoutMs: number;
  /** First retry delay of a failed event, doubled per attempt up to `retryMaxMs` (default 200 ms). */
  retryMinMs: number;
  /** Longest retry delay (default 10 s). */
  retryMaxMs: number;
  /** Wait between connection attempts while NATS is unreachable (default 1 s). */
  reconnectWaitMs: number;
  /** Longest wait for one connection attempt (default 5 s). */
  connectTimeoutMs: number;
  /** How often the pending report may be logged (default 10 s)... */
  reportIntervalMs: number;
  /** ...once the oldest pending event is this old (default 5 s). */
  pendingWarnMs: number;
  /** Connection name shown by NATS monitoring (default `switchyard-usage`). */
  name: string;
}

/** Where the publisher sends events and how much it may hold; only `servers` and `log` are required. */
export interface UsagePublisherOptions extends Partial<PublisherLimits> {
  /** NATS server URLs, as a list or comma-separated, without credentials (they go in `auth`). */
  servers: string | readonly string[];
  /** Credentials and TLS settings (nats-settings.ts); none by default. */
  auth?: NatsAuth;
  log: PublisherLog;
  /** Spool directory on a writable volume; the publisher holds events in memory only when absent. */
  spoolDir?: string;
  /** Settings of the stream the publisher ensures on every (re)connect. */
  stream?: UsageStreamOptions;
  /** Where the metrics go (default the process-wide registry of @switchyard/runtime). */
  registry?: Registry;
}

/** The defaults of every limit. */
export const DEFAULT_LIMITS: Readonly<PublisherLimits> = {
  maxPendingEvents: 100_000,
  maxPendingBytes: 64 * 1024 * 1024,
  maxSpoolBytes: 1024 * 1024 * 1024,
  spoolSegmentBytes: 4 * 1024 * 1024,
  spoolSegmentAgeMs: 5_000,
  maxInFlight: 256,
  ackTimeoutMs: 5_000,
  retryMinMs: 200,
  retryMaxMs: 10_000,
  reconnectWaitMs: 1_000,
  connectTimeoutMs: 5_000,
  reportIntervalMs: 10_000,
  pendingWarnMs: 5_000,
  name: "switchyard-usage",
};

/** The options' limits with the defaults filled in. */
export function resolveLimits(options: Partial<PublisherLimits>): PublisherLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(limits) as (keyof PublisherLimits)[]) {
    const value = options[key];
    if (value !== undefined) Object.assign(limits, { [key]: value });
  }
  return limits;
}

/** NATS server URLs from a list or a comma-separated string, blanks removed. */
export function serverList(servers: string | readonly string[]): string[] {
  const list = typeof servers === "string" ? servers.split(",") : servers;
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Publisher settings from the environment: `SWITCHYARD_NATS_URL` (required, comma-separated URLs) and the NATS
 * credentials and TLS variables (nats-settings.ts),
 * `SWITCHYARD_USAGE_SPOOL_DIR`, `SWITCHYARD_USAGE_MAX_PENDING` (events in memory), `SWITCHYARD_USAGE_MAX_PENDING_BYTES`,
 * `SWITCHYARD_USAGE_SPOOL_MAX_BYTES` and `SWITCHYARD_USAGE_MAX_IN_FLIGHT`. Fails naming the variable at fault.
 */
export function readUsagePublisherEnv(env: NodeJS.ProcessEnv = process.env): Omit<UsagePublisherOptions, "log"> {
  const { servers, auth } = readNatsSettings(env);
  if (servers.length === 0) throw new Error("environment variable SWITCHYARD_NATS_URL is required for usage events");
  const d = DEFAULT_LIMITS;
  return {
    servers,
    auth,
    spoolDir: env.SWITCHYARD_USAGE_SPOOL_DIR || undefined,
    maxPendingEvents: intEnv("SWITCHYARD_USAGE_MAX_PENDING", d.maxPendingEvents, 1, 100_000_000, env),
    maxPendingBytes: intEnv("SWITCHYARD_USAGE_MAX_PENDING_BYTES", d.maxPendingBytes, 1024, 2 ** 40, env),
    maxSpoolBytes: intEnv("SWITCHYARD_USAGE_SPOOL_MAX_BYTES", d.maxSpoolBytes, 1024 * 1024, 2 ** 50, env),
    maxInFlight: intEnv("SWITCHYARD_USAGE_MAX_IN_FLIGHT", d.maxInFlight, 1, 65_536, env),
  };
}
