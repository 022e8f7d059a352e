import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvelopeReader, EnvelopeTooLarge, encodeEnvelope, FLAG_END_STREAM } from "./envelope.js";

describe("Connect envelopes", () => {
  it("frames flags, a big-endian length and the payload", () => {
    const bytes = encodeEnvelope(FLAG_END_STREAM, Buffer.from("abc"));
    assert.deepEqual([...bytes], [2, 0, 0, 0, 3, 97, 98, 99]);
  });

  it("reassembles envelopes whatever the chunking", () => {
    const wire = Buffer.concat([
      encodeEnvelope(0, Buffer.from("one")),
      encodeEnvelope(0, Buffer.alloc(0)),
      encodeEnvelope(2, Buffer.from("{}")),
    ]);
    for (const size of [1, 2, 3, 7, wire.length]) {
      const reader = new EnvelopeReader(1024);
      const got: string[] = [];
      for (let i = 0; i < wire.length; i += size) {
        for (const e of reader.push(wire.subarray(i, i + size))) got.push(`${e.flags}:${e.data.toString()}`);
      }
      assert.deepEqual(got, ["0:one", "0:", "2:{}"], `chunks of ${size}`);
      assert.equal(reader.pending, 0);
    }
  });

  it("rejects a hostile length before buffering for it", () => {
    const reader = new EnvelopeReader(16);
    const head = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]);
    assert.throws(() => reader.push(head), EnvelopeTooLarge);
  });

  it("reports a truncated envelope as pending bytes", () => {
    const reader = new EnvelopeReader(1024);
    const wire = encodeEnvelope(0, Buffer.from("truncated"));
    assert.deepEqual(reader.push(wire.subarray(0, 8)), []);
    assert.equal(reader.pending, 8);
  });
});
