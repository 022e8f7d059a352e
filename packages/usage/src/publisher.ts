// The usage-event publisher of the provider worker. `publish` runs on the request path: it encodes the event once,
// hands it to the backlog (spool first, when there is one) and returns; it never throws and never waits on the
// network. In the background a bounded number of JetStream publishes are in flight, each with the event id as
// `Nats-Msg-Id`; a failed one is retried with backoff and the same id until JetStream acknowledges it, so a retry of
// a publish that did land is dropped by the stream's duplicate window. An event that cannot be kept is counted and
// logged, never lost silently.

import { randomUUID } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { metering } from "@switchyard/proto";
import { metricsRegistry, tracing } from "@switchyard/runtime";
import { Backlog, type Entry } from "./backlog.js";
import { Delays, retryDelay } from "./delays.js";
import { messageOf, NatsLink } from "./link.js";
import { type PendingSource, type UsageMetrics, usageMetrics } from "./metrics.js";
import {
  type PublisherLimits,
  type PublisherLog,
  resolveLimits,
  serverList,
  type UsagePublisherOptions,
} from "./options.js";
import { type CloseResult, DropLog, PendingReport, type PublisherStats } from "./report.js";
import { Spool } from "./spool.js";
import { USAGE_CONTENT_TYPE, usageSubject } from "./stream.js";

const MAX_TICK_MS = 1_000;
const MAX_CACHED_SUBJECTS = 256;

/** Publishes usage events to JetStream exactly once each, holding them through NATS outages. */
export class UsagePublisher implements PendingSource {
  private readonly limits: PublisherLimits;
  private readonly log: PublisherLog;
  private readonly backlog: Backlog;
  private readonly link: NatsLink;
  private readonly metrics: UsageMetrics;
  private readonly drops: DropLog;
  private readonly reporter: PendingReport;
  private readonly subjects = new Map<string, string>();
  private readonly delayed = new Delays<Entry>((due) => this.requeue(due));
  private readonly inFlight = new Set<Entry>();
  /** Set while NATS is connected and the stream ensured. */
  private js: JetStreamClient | undefined;
  private pumpScheduled = false;
  private ticker: NodeJS.Timeout | undefined;
  private nextReportAt = 0;
  private failureStreak = 0;
  private lastError: string | undefined;
  private stopped = false;
  private closing: Promise<CloseResult> | undefined;
  private onDrained: (() => void) | undefined;
  private untrack: (() => void) | undefined;
  private published = 0;
  private failures = 0;
  private dropped = 0;

  /** Opens the spool, keeping what an earlier process left there; fails fast when its directory is unusable. */
  constructor(options: UsagePublisherOptions) {
    this.log = options.log;
    this.limits = resolveLimits(options);
    const servers = serverList(options.servers);
    if (servers.length === 0) throw new Error("expected at least one NATS server URL for usage events");
    this.metrics = usageMetrics(options.registry ?? metricsRegistry());
    this.drops = new DropLog(this.log);
    const spool = options.spoolDir === undefined ? undefined : this.openSpool(options.spoolDir);
    this.backlog = new Backlog(this.limits, spool, this.log);
    const { name, reconnectWaitMs, connectTimeoutMs, ackTimeoutMs } = this.limits;
    this.link = new NatsLink(
      {
        servers,
        auth: options.auth ?? {},
        name,
        reconnectWaitMs,
        connectTimeoutMs,
        ackTimeoutMs,
        stream: options.stream ?? {},
      },
      this.log,
      { up: (js) => this.linkUp(js), down: () => this.linkDown() },
    );
    this.reporter = new PendingReport(this.log, this.limits.pendingWarnMs);
  }

  /** Starts connecting, the metrics and the periodic report in the background; returns this. */
  start(): this {
    if (this.ticker || this.stopped) return this;
    this.untrack = this.metrics.track(this);
    this.nextReportAt = Date.now() + this.limits.reportIntervalMs;
    this.ticker = setInterval(() => this.tick(), Math.min(MAX_TICK_MS, this.limits.reportIntervalMs)).unref();
    this.link.start();
    return this;
  }

  /** Accepted events not yet acknowledged, in memory and in the spool. */
  get pending(): number {
    return this.backlog.pending;
  }

  /** Bytes of spool files. */
  get spoolBytes(): number {
    return this.backlog.spoolBytes;
  }

  /** When the oldest pending event was accepted (Unix ms, about for spooled ones), undefined when none is. */
  get oldestAcceptedAt(): number | undefined {
    return this.pending === 0 ? undefined : this.oldestPendingAt();
  }

  /** The current state and counts. */
  stats(): PublisherStats {
    const { pending, inMemory, inSpool, spoolBytes } = this.backlog;
    const { published, failures, dropped } = this;
    const inFlight = this.inFlight.size;
    return { pending, inMemory, inSpool, inFlight, spoolBytes, published, failures, dropped, connected: !!this.js };
  }

  /**
   * Accepts one event for publishing and returns at once; never throws. An event without an id is given a random
   * one first. When no buffer has room the event is dropped, counted and logged at error level.
   */
  publish(event: metering.UsageEvent): void {
    try {
      if (event.eventId === "") event.eventId = randomUUID();
      const payload = toBinary(metering.UsageEventSchema, event);
      const subject = this.subjectOf(event.operation);
      const trace = tracing.tracingEnabled() ? traceHeaders(subject, event) : undefined;
      const record = { id: event.eventId, subject, payload, acceptedAt: Date.now(), trace };
      const admission = this.backlog.admit(record, !this.stopped);
      switch (admission) {
        case "queued":
          this.schedulePump();
          break;
        case "spooled":
          if (this.stopped) this.drops.leftInSpool(record.id);
          else this.schedulePump();
          break;
        default:
          this.drop(record.id, this.stopped ? "closed" : admission);
      }
    } catch (err) {
      this.drop(event.eventId, "error", messageOf(err));
    }
  }

  /**
   * Publishes what it can within `timeoutMs`, then stops. Events published meanwhile are still accepted. What is
   * left stays in the spool for the next start on the directory, or without a spool is counted and logged as lost.
   */
  close(timeoutMs = 10_000): Promise<CloseResult> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private openSpool(dir: string): Spool {
    const { maxSpoolBytes, spoolSegmentBytes, spoolSegmentAgeMs } = this.limits;
    let spool: Spool;
    try {
      const options = {
        dir,
        maxBytes: maxSpoolBytes,
        segmentBytes: spoolSegmentBytes,
        segmentAgeMs: spoolSegmentAgeMs,
      };
      // Records of a segment damaged under the spool are logged there; here they are counted as dropped.
      spool = Spool.open(options, this.log, (events) => {
        this.dropped += events;
        this.metrics.dropped.inc({ reason: "spool_damaged" }, events);
      });
    } catch (err) {
      throw new Error(`expected a writable usage spool directory at ${dir}, but ${messageOf(err)}`);
    }
    if (spool.unread > 0) this.log.info({ events: spool.unread, bytes: spool.bytes, dir }, "usage spool replaying");
    return spool;
  }

  private subjectOf(operation: string): string {
    const cached = this.subjects.get(operation);
    if (cached !== undefined) return cached;
    const subject = usageSubject(operation || "unknown");
    if (this.subjects.size < MAX_CACHED_SUBJECTS) this.subjects.set(operation, subject);
    return subject;
  }

  private drop(eventId: string, reason: string, detail?: string): void {
    this.dropped++;
    this.metrics.dropped.inc({ reason });
    this.drops.dropped(eventId, reason, detail, this.stopped);
  }

  /** Pumps once after the current turn of the event loop, so `publish` never does network work itself. */
  private schedulePump(): void {
    if (this.pumpScheduled || !this.js || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Fills the in-flight window. */
  private pump(): void {
    const js = this.js;
    if (!js || this.stopped) return;
    while (this.inFlight.size < this.limits.maxInFlight) {
      const entry = this.backlog.next();
      if (!entry) return;
      this.send(js, entry);
    }
  }

  private send(js: JetStreamClient, entry: Entry): void {
    this.inFlight.add(entry);
    const attempt = ++entry.attempts;
    const headers = natsHeaders();
    headers.set("content-type", USAGE_CONTENT_TYPE);
    if (entry.trace) for (const name in entry.trace) headers.set(name, entry.trace[name] as string);
    js.publish(entry.subject, entry.payload, { msgID: entry.id, headers, timeout: this.limits.ackTimeoutMs }).then(
      () => this.acked(entry),
      (err: unknown) => this.failed(entry, attempt, err),
    );
  }

  /** Any acknowledgement of the id counts, even one of an attempt abandoned at a disconnect. */
  private acked(entry: Entry): void {
    if (!this.inFlight.delete(entry)) return;
    this.backlog.done(entry);
    this.published++;
    this.metrics.published.inc();
    if (this.failureStreak > 0) {
      this.log.info({ failures: this.failureStreak, pending: this.pending }, "usage publishing recovered");
      this.failureStreak = 0;
    }
    if (this.pending === 0) this.onDrained?.();
    this.schedulePump();
  }

  /** A failure counts only for the entry's latest attempt, and only while that attempt is in flight. */
  private failed(entry: Entry, attempt: number, err: unknown): void {
    if (attempt !== entry.attempts || !this.inFlight.delete(entry)) return;
    if (this.stopped) {
      // The connection was closed under it at shutdown: it counts as remaining, not as a failure.
      this.backlog.retry([entry]);
      return;
    }
    this.failures++;
    this.metrics.failures.inc();
    this.lastError = messageOf(err);
    if (this.failureStreak++ === 0) {
      this.log.warn({ err: this.lastError, eventId: entry.id }, "usage publish failed; retrying with the same id");
    }
    this.delayed.add(entry, retryDelay(entry.attempts, this.limits.retryMinMs, this.limits.retryMaxMs));
    // No responders: nothing stores the subject (a NATS that lost its store); ensure the stream before going on.
    if (err instanceof Error && err.name === "JetStreamNotEnabled") this.link.recheck();
  }

  private requeue(entries: Entry[]): void {
    this.backlog.retry(entries);
    this.schedulePump();
  }

  private linkUp(js: JetStreamClient): void {
    this.js = js;
    // The outage was the likely cause of every failure: try them all again now.
    this.delayed.releaseAll();
    this.schedulePump();
  }

  /**
   * Publishing stops. Acknowledgements of the publishes in flight will not come, and the client only gives up on
   * them after `ackTimeoutMs`: queue them again at once, so the reconnect sends them without waiting that long.
   */
  private linkDown(): void {
    this.js = undefined;
    this.backlog.retry(this.inFlight);
    this.inFlight.clear();
  }

  private tick(): void {
    const now = Date.now();
    this.backlog.tidy(now);
    if (now < this.nextReportAt) return;
    this.nextReportAt = now + this.limits.reportIntervalMs;
    this.drops.flush();
    this.reporter.report(now, { ...this.stats(), oldestAt: this.oldestPendingAt(), lastError: this.lastError });
  }

  private oldestPendingAt(): number | undefined {
    let oldest = this.backlog.spooledSince ?? Number.POSITIVE_INFINITY;
    const visit = (entry: Entry) => {
      if (entry.acceptedAt < oldest) oldest = entry.acceptedAt;
    };
    this.backlog.forEachQueued(visit);
    this.delayed.forEach(visit);
    this.inFlight.forEach(visit);
    return oldest === Number.POSITIVE_INFINITY ? undefined : oldest;
  }

  private async shutdown(timeoutMs: number): Promise<CloseResult> {
    // The time left is better spent trying than waiting out backoffs.
    this.delayed.releaseAll();
    if (this.pending > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.stopped = true;
    clearInterval(this.ticker);
    this.delayed.stop();
    await this.link.close();
    this.js = undefined;
    const remaining = this.pending;
    const spooled = this.backlog.spooling;
    this.backlog.close();
    if (spooled) {
      if (remaining > 0) this.log.warn({ remaining }, "usage events left in the spool for the next start to send");
    } else if (remaining > 0) {
      this.dropped += remaining;
      this.metrics.dropped.inc({ reason: "shutdown" }, remaining);
      this.log.error({ remaining }, "usage events lost: not acknowledged before shutdown and no spool configured");
    }
    this.drops.flush();
    this.untrack?.();
    return { remaining, spooled };
  }
}

/**
 * Where the provider worker parks the trace context of an attempt (`tracing.park`) for its usage event, which is
 * published without the call's signal: by request id and deployment, one attempt at a time.
 */
export function usageTraceKey(requestId: string, deploymentId: string): string {
  return `usage\u0000${requestId}\u0000${deploymentId}`;
}

/**
 * The trace context a usage event carries to the metering service: that of a short producer span ("create", in the
 * messaging conventions) under the request's active span. Undefined when the event is not produced inside a trace.
 */
function traceHeaders(subject: string, event: metering.UsageEvent): Record<string, string> | undefined {
  // The worker parks its call's trace context for the event (usageTraceKey); else the active span.
  const parked = tracing.takeParked(usageTraceKey(event.requestId, event.route?.deploymentId ?? ""));
  const parent = parked ?? tracing.context.active();
  if (!tracing.trace.getSpan(parent)) return undefined;
  const span = tracing.tracer().startSpan(
    `create ${subject}`,
    {
      kind: tracing.SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "create",
        "messaging.operation.name": "create",
        "messaging.destination.name": subject,
        "messaging.message.id": event.eventId,
      },
    },
    parent,
  );
  const headers: Record<string, string> = {};
  tracing.injectTraceContext(headers, tracing.trace.setSpan(parent, span));
  span.end();
  return headers;
}

/** Creates a publisher and starts it. */
export function startUsagePublisher(options: UsagePublisherOptions): UsagePublisher {
  return new UsagePublisher(options).start();
}
