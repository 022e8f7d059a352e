import { intEnv, readServiceEnv, type ServiceEnv } from "@switchyard/runtime";
import { type NatsAuth, readNatsSettings } from "@switchyard/usage";
import type { IngestOptions } from "./ingest.js";
import { ident } from "./sql.js";
import type { StoreOptions } from "./store.js";

/** The metering service's settings, read once at startup. */
export interface MeteringSettings extends ServiceEnv {
  /** `SWITCHYARD_NATS_URL`: the JetStream-enabled NATS (comma-separated for a cluster). */
  natsServers: string[];
  /** NATS credentials and TLS (`SWITCHYARD_NATS_USER`, `_TOKEN`, `_CREDS`, `_TLS_*`; @switchyard/usage nats-settings). */
  natsAuth: NatsAuth;
  clickhouse: StoreOptions;
  ingest: IngestOptions;
  /** `SWITCHYARD_METERING_LIVE_SPEND_INTERVAL_MS`: least time between two live-spend writer passes. */
  liveSpendIntervalMs: number;
  /** `SWITCHYARD_SPEND_TTL_DAYS`: how long a live-spend day bucket outlives its last update. */
  spendTtlMs: number;
  /** `SWITCHYARD_METERING_STARTUP_TIMEOUT_MS`: how long startup waits for NATS and ClickHouse. */
  startupTimeoutMs: number;
}

const DAY_MS = 86_400_000;

function url(env: NodeJS.ProcessEnv, name: string, fallback: string, protocols: readonly string[]): string {
  const value = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`environment variable ${name}: expected a URL, got "${value}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`environment variable ${name}: expected a ${protocols.join(" or ")} URL, got "${value}"`);
  }
  return value;
}

/** Reads settings from the environment; throws a precise message when one is invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): MeteringSettings {
  const { servers: nats, auth: natsAuth } = readNatsSettings({
    ...env,
    SWITCHYARD_NATS_URL: env.SWITCHYARD_NATS_URL || "nats://127.0.0.1:4222",
  });
  const database = env.SWITCHYARD_CLICKHOUSE_DATABASE || "switchyard";
  try {
    ident(database);
  } catch {
    throw new Error(
      `environment variable SWITCHYARD_CLICKHOUSE_DATABASE: expected [A-Za-z_][A-Za-z0-9_]*, got "${database}"`,
    );
  }
  const batchSize = intEnv("SWITCHYARD_METERING_BATCH_SIZE", 5_000, 1, 100_000, env);
  const maxInFlight = intEnv("SWITCHYARD_METERING_MAX_IN_FLIGHT", 8, 1, 64, env);
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4005", http: "0.0.0.0:8085" }),
    natsServers: nats,
    natsAuth,
    clickhouse: {
      url: url(env, "SWITCHYARD_CLICKHOUSE_URL", "http://127.0.0.1:8123", ["http:", "https:"]),
      username: env.SWITCHYARD_CLICKHOUSE_USER || "default",
      password: env.SWITCHYARD_CLICKHOUSE_PASSWORD ?? "",
      database,
      requestTimeoutMs: intEnv("SWITCHYARD_CLICKHOUSE_TIMEOUT_MS", 30_000, 1_000, 600_000, env),
    },
    ingest: {
      batchSize,
      batchWaitMs: intEnv("SWITCHYARD_METERING_BATCH_WAIT_MS", 1_000, 1_000, 60_000, env),
      maxInFlight,
      ackWaitMs: intEnv("SWITCHYARD_METERING_ACK_WAIT_MS", 30_000, 5_000, 3_600_000, env),
      lagWarnMs: intEnv("SWITCHYARD_METERING_LAG_WARN_MS", 10_000, 100, 3_600_000, env),
      rollupIntervalMs: intEnv("SWITCHYARD_METERING_ROLLUP_INTERVAL_MS", 500, 0, 60_000, env),
    },
    liveSpendIntervalMs: intEnv("SWITCHYARD_METERING_LIVE_SPEND_INTERVAL_MS", 1_000, 0, 60_000, env),
    spendTtlMs: intEnv("SWITCHYARD_SPEND_TTL_DAYS", 400, 1, 3_650, env) * DAY_MS,
    startupTimeoutMs: intEnv("SWITCHYARD_METERING_STARTUP_TIMEOUT_MS", 60_000, 1_000, 3_600_000, env),
  };
}
