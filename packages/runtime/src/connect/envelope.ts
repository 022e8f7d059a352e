// The envelope framing of Connect streaming requests and responses: https://connectrpc.com/docs/protocol#streaming-rpcs.

/** Envelope flag: the payload is compressed with the negotiated encoding. */
export const FLAG_COMPRESSED = 0x01;
/** Envelope flag: the payload is the end-stream JSON, the last envelope of a response. */
export const FLAG_END_STREAM = 0x02;

const HEADER = 5;

/** One decoded envelope. */
export interface Envelope {
  readonly flags: number;
  readonly data: Buffer;
}

/** Frames a payload: one flags byte, a 4-byte big-endian length, then the payload. */
export function encodeEnvelope(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.byteLength);
  out[0] = flags;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, HEADER);
  return out;
}

/** Thrown by `EnvelopeReader` when a declared length is larger than allowed. */
export class EnvelopeTooLarge extends Error {
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`expected an envelope of at most ${limit} bytes, got ${length}`);
    this.name = "EnvelopeTooLarge";
  }
}

/**
 * Splits a byte stream into envelopes, whatever the chunking. A declared length over `maxBytes` throws
 * before anything is buffered for it, so a hostile length cannot make the reader allocate.
 */
export class EnvelopeReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes received that do not yet form a whole envelope; non-zero at the end means truncation. */
  get pending(): number {
    return this.buffered;
  }

  /** Adds received bytes and returns every envelope they complete, in order. */
  push(chunk: Buffer): Envelope[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Envelope[] = [];
    while (this.buffered >= HEADER) {
      const head = this.peekHeader();
      if (head.length > this.maxBytes) throw new EnvelopeTooLarge(head.length, this.maxBytes);
      if (this.buffered < HEADER + head.length) break;
      const whole = this.take(HEADER + head.length);
      out.push({ flags: head.flags, data: whole.subarray(HEADER) });
    }
    return out;
  }

  private peekHeader(): { flags: number; length: number } {
    let first = this.chunks[0] as Buffer;
    if (first.length < HEADER) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    return { flags: first[0] as number, length: first.readUInt32BE(1) };
  }

  private take(n: number): Buffer {
    let first = this.chunks[0] as Buffer;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const whole = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return whole;
  }
}
