// The publisher's NATS connection, kept up in the background: the first connection is retried until NATS answers
// (the gateway starts and serves without it), later drops are left to the client's endless reconnects, and after
// every (re)connect the usage stream is ensured before publishing goes ahead.

import { setTimeout as sleep } from "node:timers/promises";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/runtime";
import type { NatsAuth } from "./nats-settings.js";
import { ensureUsageStream, type UsageStreamOptions } from "./stream.js";

/** How the link connects. */
export interface LinkOptions {
  readonly servers: readonly string[];
  /** Credentials and TLS settings; never logged. */
  readonly auth: NatsAuth;
  /** The connection name NATS shows in its monitoring. */
  readonly name: string;
  /** Wait between connection attempts (and stream checks) while NATS is unreachable. */
  readonly reconnectWaitMs: number;
  readonly connectTimeoutMs: number;
  /** Longest wait for a JetStream API answer or publish acknowledgement. */
  readonly ackTimeoutMs: number;
  readonly stream: UsageStreamOptions;
}

/** What the link tells its owner. */
export interface LinkHandlers {
  /** JetStream answers and the usage stream exists: publishing may go ahead on `js`. */
  up(js: JetStreamClient): void;
  /** The connection dropped, or the stream is being checked again: hold publishing until `up`. */
  down(): void;
}

/** A NATS connection that keeps coming back until `close`. */
export class NatsLink {
  private nc: NatsConnection | undefined;
  private closed = false;
  private preparing = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: LinkOptions,
    private readonly log: Pick<Logger, "info" | "warn" | "error">,
    private readonly handlers: LinkHandlers,
  ) {}

  /** Starts connecting in the background; returns at once. */
  start(): void {
    void this.run();
  }

  /** Holds publishing and ensures the stream again; for when JetStream said nothing serves the subject. */
  recheck(): void {
    const nc = this.nc;
    if (!nc || this.preparing) return;
    this.handlers.down();
    this.prepare(nc);
  }

  /** Stops reconnecting and closes the connection; publishes still waiting for an ack fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.nc?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const nc = await this.connectOnce();
      if (!nc) return;
      this.nc = nc;
      void this.watch(nc);
      this.prepare(nc);
      const err = await nc.closed();
      this.nc = undefined;
      if (this.closed) return;
      this.handlers.down();
      this.log.error({ err: messageOf(err) }, "usage NATS connection closed; connecting again");
    }
  }

  /** Connects, retrying until it works; undefined once the link is closed. */
  private async connectOnce(): Promise<NatsConnection | undefined> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const nc = await connect({
          ...this.options.auth,
          servers: [...this.options.servers],
          name: this.options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.options.reconnectWaitMs,
          timeout: this.options.connectTimeoutMs,
          pingInterval: 10_000,
          // nats.js otherwise builds two errors with stack traces per publish (for an async trace of a timeout that
          // the publisher reports on its own): measurable CPU on the request path's process.
          noAsyncTraces: true,
        });
        if (this.closed) {
          await nc.close();
          return undefined;
        }
        if (attempt > 0) this.log.info({ server: nc.getServer() }, "usage NATS connected");
        return nc;
      } catch (err) {
        if (attempt === 0) {
          const fields = { err: messageOf(err), servers: this.options.servers };
          this.log.warn(fields, "usage NATS unreachable; holding events and retrying");
        }
        await this.pause();
      }
    }
    return undefined;
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        this.handlers.down();
        this.log.warn({ server: status.server }, "usage NATS disconnected; holding events");
      } else if (status.type === "reconnect") {
        this.log.info({ server: status.server }, "usage NATS reconnected");
        this.prepare(nc);
      }
    }
  }

  /** Ensures the stream, then reports the link up; retried while the connection lasts. */
  private prepare(nc: NatsConnection): void {
    if (this.preparing) return;
    this.preparing = true;
    void (async () => {
      try {
        for (let attempt = 0; !this.closed && !nc.isClosed(); attempt++) {
          try {
            const jsm = await jetstreamManager(nc, { timeout: this.options.ackTimeoutMs });
            await ensureUsageStream(jsm, this.options.stream);
            if (this.closed || nc.isClosed()) return;
            this.handlers.up(jetstream(nc, { timeout: this.options.ackTimeoutMs }));
            return;
          } catch (err) {
            if (attempt === 0) this.log.warn({ err: messageOf(err) }, "usage stream not ready; retrying");
            await this.pause();
          }
        }
      } finally {
        this.preparing = false;
      }
    })();
  }

  private pause(): Promise<void> {
    return sleep(this.options.reconnectWaitMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}

/** An error's message for a log line (NATS errors carry no secrets, but stacks are noise here). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
