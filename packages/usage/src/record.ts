// The spool's record format. Each accepted event is one record appended to a segment file:
//
//   u32 body length | u32 CRC-32 of the body | body
//   body = f64 accepted-at (Unix ms) | u16 id length | id | u16 subject length | subject | encoded UsageEvent
//
// All integers little-endian, strings UTF-8. The CRC tells a torn or corrupted tail (a crash mid-write, a full disk)
// from a whole record; everything from the first bad record of a segment on is discarded.

import { crc32 } from "node:zlib";

/** Bytes before a record's body: its length and its CRC-32. */
export const RECORD_HEADER_BYTES = 8;
/** Largest body a reader accepts; a larger length field can only be corruption (NATS payloads are ~1 MiB). */
export const MAX_RECORD_BODY_BYTES = 64 * 1024 * 1024;
const FIXED_BODY_BYTES = 12;
const MAX_STRING_BYTES = 0xffff;

/** One spooled event: what the publisher needs to send it again with the same id. */
export interface SpoolRecord {
  /** The event id, sent as `Nats-Msg-Id`. */
  readonly id: string;
  readonly subject: string;
  /** The encoded `switchyard.metering.v1.UsageEvent`. */
  readonly payload: Uint8Array;
  /** When the publisher accepted the event (Unix ms). */
  readonly acceptedAt: number;
  /**
   * W3C trace context headers (`traceparent`, `tracestate`) of the request that produced the event, sent as NATS
   * headers. Kept in memory only, never written to the spool: an event read back from disk goes untraced.
   */
  readonly trace?: Readonly<Record<string, string>> | undefined;
}

/** The outcome of reading one record: the record and its size, the end of the data, or why the data is bad. */
export type ReadOutcome =
  | { readonly kind: "record"; readonly record: SpoolRecord; readonly size: number }
  | { readonly kind: "end" }
  | { readonly kind: "incomplete"; readonly needed: number }
  | { readonly kind: "corrupt"; readonly reason: string };

/** Encodes one record; fails when the id or subject exceed 65535 bytes. */
export function encodeRecord(record: SpoolRecord): Buffer {
  const idBytes = Buffer.byteLength(record.id);
  const subjectBytes = Buffer.byteLength(record.subject);
  if (idBytes > MAX_STRING_BYTES || subjectBytes > MAX_STRING_BYTES) {
    throw new Error(`expected an event id and subject under 64 KiB, got ${idBytes} and ${subjectBytes} bytes`);
  }
  const bodyBytes = FIXED_BODY_BYTES + idBytes + subjectBytes + record.payload.length;
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyBytes);
  let at = RECORD_HEADER_BYTES;
  buf.writeDoubleLE(record.acceptedAt, at);
  at = buf.writeUInt16LE(idBytes, at + 8);
  at += buf.write(record.id, at, "utf8");
  at = buf.writeUInt16LE(subjectBytes, at);
  at += buf.write(record.subject, at, "utf8");
  buf.set(record.payload, at);
  buf.writeUInt32LE(bodyBytes, 0);
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_HEADER_BYTES)), 4);
  return buf;
}

/**
 * Reads the record starting at `offset` of `buf`. The payload is copied, so the record does not pin `buf`.
 * `incomplete` says how many bytes from `offset` are needed to decide.
 */
export function readRecord(buf: Buffer, offset: number): ReadOutcome {
  const available = buf.length - offset;
  if (available === 0) return { kind: "end" };
  if (available < RECORD_HEADER_BYTES) return { kind: "incomplete", needed: RECORD_HEADER_BYTES };
  const bodyBytes = buf.readUInt32LE(offset);
  if (bodyBytes < FIXED_BODY_BYTES || bodyBytes > MAX_RECORD_BODY_BYTES) {
    return { kind: "corrupt", reason: `implausible record length ${bodyBytes}` };
  }
  const size = RECORD_HEADER_BYTES + bodyBytes;
  if (available < size) return { kind: "incomplete", needed: size };
  const body = buf.subarray(offset + RECORD_HEADER_BYTES, offset + size);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { kind: "corrupt", reason: "checksum mismatch" };
  const acceptedAt = body.readDoubleLE(0);
  const idBytes = body.readUInt16LE(8);
  const subjectAt = 10 + idBytes;
  if (subjectAt + 2 > body.length) return { kind: "corrupt", reason: "id overruns the record" };
  const subjectBytes = body.readUInt16LE(subjectAt);
  const payloadAt = subjectAt + 2 + subjectBytes;
  if (payloadAt > body.length) return { kind: "corrupt", reason: "subject overruns the record" };
  const record: SpoolRecord = {
    acceptedAt,
    id: body.toString("utf8", 10, subjectAt),
    subject: body.toString("utf8", subjectAt + 2, payloadAt),
    payload: new Uint8Array(body.subarray(payloadAt)),
  };
  return { kind: "record", record, size };
}
