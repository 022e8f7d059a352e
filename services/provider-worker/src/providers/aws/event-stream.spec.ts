import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { collect } from "../testkit.js";
import { payloadText, readEventStream } from "./event-stream.js";
import { encodeEventStream, type FixtureMessage } from "./testkit.js";

const MESSAGES: FixtureMessage[] = [
  { event: "messageStart", payload: { role: "assistant" } },
  { event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: "Grüße 👋" } } },
  { event: "PayloadPart", payload: 'data: {"a":1}\n\nda', raw: true },
  { exception: "throttlingException", payload: { message: "slow down" } },
];

const unavailable = (what: string) => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: what });
const options = { fail: (err: unknown) => GatewayError.from(err), malformed: unavailable };

/** Yields the bytes in pieces of `sizes` cycling: 1..7 by default, to split preludes, headers and checksums. */
async function* pieces(bytes: Uint8Array, sizes = [1, 2, 3, 4, 5, 6, 7]): AsyncGenerator<Uint8Array> {
  let n = 0;
  for (let i = 0; i < bytes.length; ) {
    const size = sizes[n++ % sizes.length]!;
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

describe("readEventStream", () => {
  it("decodes messages split anywhere across reads, with their headers and payloads", async () => {
    for (const sizes of [[1], [3, 11], [1, 2, 3, 4, 5, 6, 7], [100_000]]) {
      const out = await collect(readEventStream(pieces(encodeEventStream(MESSAGES), sizes), options));
      assert.deepEqual(
        out.map((m) => [m.messageType, m.eventType ?? m.exceptionType]),
        [
          ["event", "messageStart"],
          ["event", "contentBlockDelta"],
          ["event", "PayloadPart"],
          ["exception", "throttlingException"],
        ],
      );
      assert.deepEqual(JSON.parse(payloadText(out[1]!)).delta, { text: "Grüße 👋" });
      assert.equal(payloadText(out[2]!), 'data: {"a":1}\n\nda');
    }
  });

  it("refuses a message whose checksum does not match", async () => {
    const bytes = encodeEventStream(MESSAGES.slice(0, 1));
    bytes[bytes.length - 8] = (bytes[bytes.length - 8] ?? 0) ^ 1;
    await assert.rejects(collect(readEventStream(pieces(bytes), options)), /invalid event-stream message/);
  });

  it("refuses a stream that ends inside a message", async () => {
    const bytes = encodeEventStream(MESSAGES.slice(0, 2));
    await assert.rejects(
      collect(readEventStream(pieces(bytes.subarray(0, bytes.length - 3)), options)),
      /ended inside an event-stream message/,
    );
  });

  it("refuses an oversized prelude without waiting for (or allocating) its bytes", async () => {
    const prelude = new Uint8Array([0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0]);
    await assert.rejects(collect(readEventStream(pieces(prelude), options)), /outside 16\.\./);
    const small = new Uint8Array([0, 0, 0, 8]);
    await assert.rejects(collect(readEventStream(pieces(small), options)), /outside 16\.\./);
  });

  it("classifies a failing body with `fail` and destroys the body when the reader stops early", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield encodeEventStream(MESSAGES.slice(0, 1));
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    }
    const fail = () => unavailable("reset");
    await assert.rejects(collect(readEventStream(broken(), { ...options, fail })), /reset/);
    let destroyed = false;
    const body = Object.assign(pieces(encodeEventStream(MESSAGES)), {
      destroy: () => {
        destroyed = true;
      },
    });
    for await (const _m of readEventStream(body, options)) break;
    assert.ok(destroyed);
  });
});
