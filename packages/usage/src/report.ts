// What the publisher says about events it holds or gives up. A dropped event is never silent, but a full buffer
// under load drops thousands a second: the first drop after each report is logged with its id, the rest as one
// count per report. The pending report names how many events wait and since when. The stats types live here too.

import type { PublisherLog } from "./options.js";

/** A snapshot of the publisher's state and its counts since it started. */
export interface PublisherStats {
  /** Accepted and not yet acknowledged: `inMemory` + `inSpool`. */
  readonly pending: number;
  /** In memory: queued, waiting out a retry delay, or in flight. */
  readonly inMemory: number;
  /** On disk only, waiting for room in memory. */
  readonly inSpool: number;
  readonly inFlight: number;
  readonly spoolBytes: number;
  /** Acknowledged by JetStream (a re-sent duplicate included). */
  readonly published: number;
  readonly failures: number;
  readonly dropped: number;
  /** NATS is connected and the stream ensured. */
  readonly connected: boolean;
}

/** What `close` left behind: `remaining` events unacknowledged, kept in the spool (`spooled`) or lost. */
export interface CloseResult {
  readonly remaining: number;
  readonly spooled: boolean;
}

/** What the pending report shows: the stats, the oldest pending event and the last publish error. */
export interface PendingState extends Omit<PublisherStats, "published" | "failures" | "dropped"> {
  /** When the oldest pending event was accepted (Unix ms). */
  readonly oldestAt: number | undefined;
  readonly lastError: string | undefined;
}

/** Logs dropped events at error level: one line per event at first, then counts. */
export class DropLog {
  private loggedOne = false;
  private readonly unlogged = new Map<string, number>();
  private spoolAfterClose = false;

  constructor(private readonly log: PublisherLog) {}

  /** Records one dropped event; `always` logs it on its own line (when no later report will come). */
  dropped(eventId: string, reason: string, detail: string | undefined, always: boolean): void {
    if (always || !this.loggedOne) {
      this.loggedOne = true;
      this.log.error({ eventId, reason, detail }, "usage event dropped");
      return;
    }
    this.unlogged.set(reason, (this.unlogged.get(reason) ?? 0) + 1);
  }

  /** Notes an event accepted after `close` into the spool, where the next start on the directory finds it. */
  leftInSpool(eventId: string): void {
    if (this.spoolAfterClose) return;
    this.spoolAfterClose = true;
    this.log.warn({ eventId }, "usage publisher closed; later events stay in the spool for the next start");
  }

  /** Logs the drops not yet logged, by reason, and starts a new round. */
  flush(): void {
    this.loggedOne = false;
    if (this.unlogged.size === 0) return;
    let dropped = 0;
    for (const count of this.unlogged.values()) dropped += count;
    this.log.error({ dropped, byReason: Object.fromEntries(this.unlogged) }, "usage events dropped");
    this.unlogged.clear();
  }
}

/** Logs the pending events while the oldest waits longer than `warnMs`, and once more when that is over. */
export class PendingReport {
  private behind = false;

  constructor(
    private readonly log: PublisherLog,
    private readonly warnMs: number,
  ) {}

  report(now: number, state: PendingState): void {
    const { oldestAt, lastError, ...counts } = state;
    if (oldestAt !== undefined && now - oldestAt >= this.warnMs) {
      this.behind = true;
      this.log.warn({ ...counts, since: new Date(oldestAt).toISOString(), lastError }, "usage events pending");
    } else if (this.behind) {
      this.behind = false;
      this.log.info({ pending: state.pending }, "usage events caught up");
    }
  }
}
