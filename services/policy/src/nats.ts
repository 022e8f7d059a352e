// Connecting the policy store at startup: NATS and JetStream may come up after the policy process, so both are
// retried until the startup deadline; afterwards the client reconnects forever and the store serves its copy. The
// audit stream is ensured here too, so the first admin call can publish its audit events.

import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/runtime";
import type { NatsAuth } from "@switchyard/usage";
import { ensureAuditStream } from "@switchyard/usage";
import { openStore, type PolicyStore } from "./store.js";

/** A connected, loaded store and the connection it runs on. */
export interface StoreConnection {
  readonly nc: NatsConnection;
  readonly store: PolicyStore;
  /** Stops the store and closes the connection. */
  close(): Promise<void>;
}

/** Options of `connectStore`. */
export interface ConnectOptions {
  servers: string[];
  /** Credentials and TLS settings; never logged. */
  auth?: NatsAuth;
  replicas: number;
  /** Absolute time (ms) after which startup gives up. */
  deadline: number;
  log: Logger;
}

const RETRY_MS = 1_000;

async function retry<T>(what: string, deadline: number, log: Logger, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), remaining);
      });
      try {
        return await Promise.race([attempt(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (Date.now() + RETRY_MS >= deadline) throw new Error(`${what}: ${message}`);
      log.warn({ err: message, attempt: n }, `waiting for ${what}`);
      await sleep(RETRY_MS);
    }
  }
}

async function logStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === "disconnect") log.warn({ server: status.server }, "nats disconnected; serving the last copy");
    else if (status.type === "reconnect") log.info({ server: status.server }, "nats reconnected");
  }
}

/** Connects to NATS, opens the policy buckets and loads them, retrying until `deadline`. */
export async function connectStore(options: ConnectOptions): Promise<StoreConnection> {
  const { log, deadline } = options;
  const nc = await retry("NATS", deadline, log, () =>
    connect({
      ...options.auth,
      servers: options.servers,
      name: "switchyard-policy",
      maxReconnectAttempts: -1,
      noAsyncTraces: true,
    }),
  );
  void logStatus(nc, log);
  try {
    const store = await retry("the policy buckets", deadline, log, () =>
      openStore(nc, { log, replicas: options.replicas }),
    );
    await retry("the audit stream", deadline, log, async () =>
      ensureAuditStream(await jetstreamManager(nc), { replicas: options.replicas }),
    );
    return {
      nc,
      store,
      async close() {
        store.close();
        await Promise.race([nc.drain(), sleep(5_000)]);
        if (!nc.isClosed()) await nc.close();
      },
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
