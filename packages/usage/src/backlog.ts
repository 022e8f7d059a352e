// The publisher's buffer: every accepted event until JetStream acknowledges it. Events are held in memory up to a
// count and a byte bound. With a spool each event is appended to disk first; when memory is full it stays on disk
// only, and is read back once memory is half empty again. Order is kept where it is cheap, but nothing depends on
// it: the stream's consumers key on the event id.

import { Fifo } from "./fifo.js";
import { messageOf } from "./link.js";
import type { PublisherLog } from "./options.js";
import type { SpoolRecord } from "./record.js";
import type { Segment, Spool } from "./spool.js";

/** An event held in memory. */
export interface Entry extends SpoolRecord {
  /** Memory it is charged with. */
  readonly bytes: number;
  /** The spool segment holding it, to settle once acknowledged; undefined when it is in memory only. */
  readonly segment: Segment | undefined;
  /** Publish attempts so far. */
  attempts: number;
}

/** Where `admit` put an event, or why it could not keep it. */
export type Admission = "queued" | "spooled" | "memory_full" | "spool_full";

/** The memory bounds of a backlog. */
export interface BacklogLimits {
  readonly maxPendingEvents: number;
  readonly maxPendingBytes: number;
}

const ENTRY_OVERHEAD_BYTES = 160;
/** Most records one refill reads from the spool, so a long backlog is read in slices between acknowledgements. */
const REFILL_RECORDS = 1_024;
const REFILL_BYTES = 1024 * 1024;

/** Memory an event is charged with: its payload, strings (UTF-16) and bookkeeping. */
function entryBytes(record: SpoolRecord): number {
  return record.payload.length + 2 * (record.id.length + record.subject.length) + ENTRY_OVERHEAD_BYTES;
}

/** Accepted, unacknowledged events: a queue of those ready to send, and counts of all of them. */
export class Backlog {
  private readonly queue = new Fifo<Entry>();
  private count = 0;
  private bytes = 0;
  private spoolTrouble = false;

  constructor(
    private readonly limits: BacklogLimits,
    private readonly spool: Spool | undefined,
    private readonly log: PublisherLog,
  ) {}

  /** True when events are spooled to disk. */
  get spooling(): boolean {
    return this.spool !== undefined;
  }

  /** Events accepted and not yet acknowledged, in memory and in the spool. */
  get pending(): number {
    return this.count + (this.spool?.unread ?? 0);
  }

  /** Events in memory: queued, waiting out a retry delay, or in flight. */
  get inMemory(): number {
    return this.count;
  }

  /** Events on disk only. */
  get inSpool(): number {
    return this.spool?.unread ?? 0;
  }

  get spoolBytes(): number {
    return this.spool?.bytes ?? 0;
  }

  /** When the oldest event still on disk only was accepted (about), or undefined. */
  get spooledSince(): number | undefined {
    return this.spool?.unreadSince;
  }

  /**
   * Takes an event: into memory (and the spool, first), into the spool only when memory is full or `memoryOpen`
   * is false, or not at all. A spool that is full or failing falls back to memory, said once in the log.
   */
  admit(record: SpoolRecord, memoryOpen: boolean): Admission {
    const bytes = entryBytes(record);
    const fits =
      memoryOpen && this.count < this.limits.maxPendingEvents && this.bytes + bytes <= this.limits.maxPendingBytes;
    let segment: Segment | undefined;
    if (this.spool) {
      const handOut = fits && this.spool.unread === 0;
      segment = this.append(this.spool, record, handOut);
      if (segment && !handOut) return "spooled";
    }
    if (!fits) return this.spool ? "spool_full" : "memory_full";
    this.hold({ ...record, bytes, segment, attempts: 0 });
    return "queued";
  }

  /** The next event to send, read from the spool when memory is at most half full; undefined when none is ready. */
  next(): Entry | undefined {
    const spool = this.spool;
    if (spool && spool.unread > 0 && this.count * 2 <= this.limits.maxPendingEvents) this.refill(spool);
    return this.queue.shift();
  }

  /** Queues events again after failed attempts. */
  retry(entries: Iterable<Entry>): void {
    for (const entry of entries) this.queue.push(entry);
  }

  /** Forgets an acknowledged event and settles it in the spool. */
  done(entry: Entry): void {
    this.count--;
    this.bytes -= entry.bytes;
    if (!entry.segment) return;
    try {
      this.spool?.settle(entry.segment);
    } catch (err) {
      this.log.error({ err: messageOf(err), path: entry.segment.path }, "usage spool segment could not be removed");
    }
  }

  /** Visits the queued events (not those in flight or delayed). */
  forEachQueued(visit: (entry: Entry) => void): void {
    this.queue.forEach(visit);
  }

  /** Seals an old spool segment (see `Spool.tidy`). */
  tidy(now: number): void {
    try {
      this.spool?.tidy(now);
    } catch (err) {
      this.log.error({ err: messageOf(err) }, "usage spool segment could not be sealed");
    }
  }

  /** Seals the spool's open segment (see `Spool.close`); events admitted later go to a new one. */
  close(): void {
    this.spool?.close();
  }

  private hold(entry: Entry): void {
    this.count++;
    this.bytes += entry.bytes;
    this.queue.push(entry);
  }

  private refill(spool: Spool): void {
    const records = Math.min(REFILL_RECORDS, this.limits.maxPendingEvents - this.count);
    const bytes = Math.min(REFILL_BYTES, this.limits.maxPendingBytes - this.bytes);
    try {
      for (const r of spool.read(records, bytes)) this.hold({ ...r, bytes: entryBytes(r), attempts: 0 });
    } catch (err) {
      this.log.error({ err: messageOf(err) }, "usage spool read failed; trying again on the next acknowledgement");
    }
  }

  private append(spool: Spool, record: SpoolRecord, handOut: boolean): Segment | undefined {
    let problem: string;
    try {
      const segment = spool.append(record, handOut);
      if (segment) {
        this.spoolTrouble = false;
        return segment;
      }
      problem = `the spool is full at ${spool.bytes} bytes`;
    } catch (err) {
      problem = messageOf(err);
    }
    if (!this.spoolTrouble) {
      this.spoolTrouble = true;
      this.log.error({ problem, eventId: record.id }, "usage spool cannot take events; holding them in memory only");
    }
    return undefined;
  }
}
