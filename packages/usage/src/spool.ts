// The on-disk half of the publisher's buffer: append-only segment files of length-prefixed, checksummed records
// (record.ts). An event is written here synchronously before anything tries to send it, so a crash of the process
// (even SIGKILL) loses nothing that was accepted: the data sits in the kernel's page cache and reaches the file. It
// is not fsync'ed, so a power loss can still lose the last seconds. One process owns a directory at a time.
//
// Acknowledgements are tracked per segment in memory; a segment is deleted once it is sealed (closed for appends)
// and every record in it is settled. A restart re-sends every record still on disk, including acknowledged ones
// of the newest segments: JetStream's duplicate window drops those by their id. Segments are sealed after a few
// seconds, so that window is always wider than what a restart re-sends.

import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Logger } from "@switchyard/runtime";
import { encodeRecord, readRecord, type SpoolRecord } from "./record.js";

const SEGMENT_NAME = /^(\d{12})\.usage$/;
const READ_CHUNK_BYTES = 64 * 1024;

/** Where the spool lives and how much it may hold. */
export interface SpoolOptions {
  /** The directory of the segment files; created when missing. */
  readonly dir: string;
  /** Most bytes all segment files may hold together; an append beyond it is refused. */
  readonly maxBytes: number;
  /** A segment takes no more appends once it holds this many bytes. */
  readonly segmentBytes: number;
  /** ...or once it is this old, which bounds what a restart re-sends. */
  readonly segmentAgeMs: number;
}

/** One segment file and the settlement of its records. */
export interface Segment {
  readonly path: string;
  readonly createdAt: number;
  bytes: number;
  records: number;
  /** Records handed to the publisher (appended in memory too, or read back). */
  handedOut: number;
  /** Records acknowledged by JetStream or given up. */
  settled: number;
  /** Closed for appends; deleted once every record is settled. */
  sealed: boolean;
  /** When its first record was accepted (Unix ms). */
  firstAt: number;
}

/** A record read back from the spool, with the segment to settle it in. */
export interface SpooledRecord extends SpoolRecord {
  readonly segment: Segment;
}

/** The segment files of one spool directory. Every method is synchronous and throws on I/O errors. */
export class Spool {
  private readonly segments: Segment[] = [];
  private nextSeq = 1;
  /** Append descriptor of the last segment while it is not sealed. */
  private fd: number | undefined;
  /** The next record not yet handed out, meaningful while `unread` > 0. */
  private readSegment: Segment | undefined;
  private readOffset = 0;
  private unreadRecords = 0;
  private totalBytes = 0;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly log: Pick<Logger, "warn" | "error">,
    private readonly onLost: (events: number) => void,
  ) {}

  /**
   * Opens `options.dir`, keeping every valid record of the segments found there as unread. A torn or corrupted
   * record ends its segment: the file is truncated before it, with a log line saying how many bytes went.
   * `onLost` hears of records given up later because a segment was damaged under the spool.
   */
  static open(
    options: SpoolOptions,
    log: Pick<Logger, "warn" | "error">,
    onLost: (events: number) => void = () => {},
  ): Spool {
    const spool = new Spool(options, log, onLost);
    mkdirSync(options.dir, { recursive: true });
    const names = readdirSync(options.dir)
      .filter((name) => SEGMENT_NAME.test(name))
      .sort();
    for (const name of names) spool.recover(name);
    spool.readSegment = spool.segments[0];
    return spool;
  }

  /** Bytes in segment files. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Records on disk not yet handed out. */
  get unread(): number {
    return this.unreadRecords;
  }

  /** When the oldest unread record's segment began, or undefined when nothing is unread. */
  get unreadSince(): number | undefined {
    return this.unreadRecords > 0 ? this.readSegment?.firstAt : undefined;
  }

  /**
   * Appends a record and returns its segment, or undefined when the spool is full. With `handOut` (allowed only
   * while `unread` is 0) the caller keeps the record in memory; otherwise it stays unread until `read`.
   */
  append(record: SpoolRecord, handOut: boolean): Segment | undefined {
    const buf = encodeRecord(record);
    if (this.totalBytes + buf.length > this.options.maxBytes) return undefined;
    const segment = this.writable(buf.length);
    const fd = this.fd ?? openSync(segment.path, "a");
    this.fd = fd;
    const at = segment.bytes;
    try {
      for (let written = 0; written < buf.length; ) written += writeSync(fd, buf, written);
    } catch (err) {
      // A short write (a full disk) must not leave half a record for the next one to follow.
      ftruncateSync(fd, at);
      throw err;
    }
    if (segment.records === 0) segment.firstAt = record.acceptedAt;
    segment.bytes += buf.length;
    segment.records++;
    this.totalBytes += buf.length;
    if (handOut) {
      segment.handedOut++;
    } else {
      if (this.unreadRecords === 0) {
        this.readSegment = segment;
        this.readOffset = at;
      }
      this.unreadRecords++;
    }
    return segment;
  }

  /** Hands out up to `maxRecords` unread records (and about `maxBytes`), oldest first. */
  read(maxRecords: number, maxBytes: number): SpooledRecord[] {
    const out: SpooledRecord[] = [];
    let bytes = 0;
    let want = READ_CHUNK_BYTES;
    while (this.unreadRecords > 0 && out.length < maxRecords && bytes < maxBytes) {
      const segment = this.readSegment;
      if (!segment) throw new Error(`expected an unread segment for ${this.unreadRecords} unread records`);
      if (this.readOffset >= segment.bytes) {
        this.readSegment = this.segments[this.segments.indexOf(segment) + 1];
        this.readOffset = 0;
        continue;
      }
      const length = Math.min(want, segment.bytes - this.readOffset);
      const chunk = readAt(segment.path, this.readOffset, length);
      const more = chunk.length === length && this.readOffset + length < segment.bytes;
      let at = 0;
      for (;;) {
        if (out.length >= maxRecords || bytes >= maxBytes) break;
        const outcome = readRecord(chunk, at);
        if (outcome.kind === "record") {
          out.push({ ...outcome.record, segment });
          segment.handedOut++;
          this.unreadRecords--;
          bytes += outcome.size;
          at += outcome.size;
          want = READ_CHUNK_BYTES;
          continue;
        }
        if (outcome.kind === "end" && chunk.length === length) break;
        if (outcome.kind === "incomplete" && more) {
          want = Math.max(want, outcome.needed);
        } else {
          // The file ends before the bytes we wrote or holds something else: it was changed under us.
          const reason = outcome.kind === "corrupt" ? outcome.reason : "file shorter than written";
          this.discardRest(segment, this.readOffset + at, reason);
          at = 0;
        }
        break;
      }
      this.readOffset += at;
    }
    return out;
  }

  /** Marks one record of `segment` acknowledged (or given up); deletes the segment once it is done. */
  settle(segment: Segment): void {
    segment.settled++;
    if (segment.sealed && segment.settled === segment.records) this.remove(segment);
  }

  /** Seals the segment being appended to once it is old enough, deleting it when everything in it is settled. */
  tidy(now: number): void {
    const last = this.segments.at(-1);
    if (last && !last.sealed && now - last.createdAt >= this.options.segmentAgeMs) this.seal(last);
  }

  /** Seals the segment being appended to (deleting it when all of it is settled); a later `append` starts another. */
  close(): void {
    const last = this.segments.at(-1);
    if (last && !last.sealed) this.seal(last);
    else this.closeFile();
  }

  /** The segment to append `size` bytes to, sealing the current one when it is full or old. */
  private writable(size: number): Segment {
    const last = this.segments.at(-1);
    if (last && !last.sealed) {
      const full = last.bytes > 0 && last.bytes + size > this.options.segmentBytes;
      if (!full && Date.now() - last.createdAt < this.options.segmentAgeMs) return last;
      this.seal(last);
    }
    const path = join(this.options.dir, `${String(this.nextSeq++).padStart(12, "0")}.usage`);
    const segment = newSegment(path, Date.now());
    this.segments.push(segment);
    return segment;
  }

  private seal(segment: Segment): void {
    segment.sealed = true;
    this.closeFile();
    if (segment.settled === segment.records) this.remove(segment);
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private remove(segment: Segment): void {
    try {
      unlinkSync(segment.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    this.totalBytes -= segment.bytes;
    if (this.readSegment === segment) {
      this.readSegment = this.segments[index];
      this.readOffset = 0;
    }
  }

  /** Gives up the unread records of a segment that was changed under us; they count as settled. */
  private discardRest(segment: Segment, offset: number, reason: string): void {
    const lost = segment.records - segment.handedOut;
    this.log.error({ path: segment.path, offset, reason, lost }, "usage spool segment corrupted; events lost");
    this.unreadRecords -= lost;
    segment.handedOut = segment.records;
    segment.settled += lost;
    this.readOffset = segment.bytes;
    if (lost > 0) this.onLost(lost);
  }

  /** Adopts one segment file found at open, truncated after its last valid record. */
  private recover(name: string): void {
    const path = join(this.options.dir, name);
    this.nextSeq = Math.max(this.nextSeq, Number(SEGMENT_NAME.exec(name)?.[1]) + 1);
    const data = readFileSync(path);
    const segment = newSegment(path, Date.now());
    let problem: string | undefined;
    while (segment.bytes < data.length) {
      const outcome = readRecord(data, segment.bytes);
      if (outcome.kind !== "record") {
        problem = outcome.kind === "corrupt" ? outcome.reason : "incomplete record";
        break;
      }
      if (segment.records === 0) segment.firstAt = outcome.record.acceptedAt;
      segment.records++;
      segment.bytes += outcome.size;
    }
    if (problem !== undefined) {
      const fields = { path, offset: segment.bytes, discardedBytes: data.length - segment.bytes, reason: problem };
      // A torn last record is a write the crash interrupted, before the event was accepted; anything else is damage.
      if (problem === "incomplete record") this.log.warn(fields, "usage spool segment ends in a torn record; cut off");
      else this.log.error(fields, "usage spool segment corrupted; the rest of it is cut off");
      truncateSync(path, segment.bytes);
    }
    if (segment.records === 0) {
      unlinkSync(path);
      return;
    }
    segment.sealed = true;
    this.segments.push(segment);
    this.unreadRecords += segment.records;
    this.totalBytes += segment.bytes;
  }
}

function newSegment(path: string, createdAt: number): Segment {
  return { path, createdAt, bytes: 0, records: 0, handedOut: 0, settled: 0, sealed: false, firstAt: createdAt };
}

/** Reads up to `length` bytes of `path` from `offset`; fewer when the file is shorter. */
function readAt(path: string, offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  const fd = openSync(path, "r");
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
