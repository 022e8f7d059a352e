import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { readSse, type SseEvent, type SseOptions } from "./sse.js";
import { collect } from "./testkit.js";

const options: SseOptions = {
  fail: (err) => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "reset" }, { cause: err }),
  errorEvent: (data) => new GatewayError({ class: llm.ErrorClass.RATE_LIMITED, message: data }),
  tooLarge: () => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "too large" }),
};

/** The body as byte pieces of `size` bytes, so multi-byte characters and CRLFs split too. */
async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const STREAM = [
  ": ping",
  "",
  "event: message",
  'data: {"a":',
  'data: "ü 👋"}',
  "",
  "id: 7",
  "data: [DONE]",
  "",
  "",
].join("\r\n");

const EXPECTED: SseEvent[] = [
  { event: "message", id: undefined, data: '{"a":\n"ü 👋"}' },
  { event: undefined, id: "7", data: "[DONE]" },
];

describe("readSse", () => {
  for (const size of [1, 2, 3, 5, 7, 1000]) {
    it(`parses CRLF frames, comments and multi-line data split every ${size} bytes`, async () => {
      const events = await collect(readSse(pieces(STREAM, size), options));
      assert.deepEqual(
        events.map((e) => ({ event: e.event, id: e.id, data: e.data })),
        EXPECTED,
      );
    });
  }

  it("dispatches a last frame that lacks its blank line", async () => {
    const events = await collect(readSse(pieces("data: a\n\ndata: b", 3), options));
    assert.deepEqual(
      events.map((e) => e.data),
      ["a", "b"],
    );
  });

  it("throws the classified error of an `event: error` frame", async () => {
    const body = pieces("data: ok\n\nevent: error\ndata: slow down\n\ndata: never\n\n", 4);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of readSse(body, options)) seen.push(e.data);
      })(),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.RATE_LIMITED,
    );
    assert.deepEqual(seen, ["ok"]);
  });

  it("maps a body failure through `fail`", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode("data: one\n\n");
      throw Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    }
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of readSse(broken(), options)) seen.push(e.data);
      })(),
      (err: unknown) => err instanceof GatewayError && err.message === "reset",
    );
    assert.deepEqual(seen, ["one"]);
  });

  it("refuses an event larger than the bound", async () => {
    const big = `data: ${"x".repeat(5000)}\n\n`;
    await assert.rejects(
      collect(readSse(pieces(big, 512), { ...options, maxEventChars: 1024 })),
      (err: unknown) => err instanceof GatewayError && err.message === "too large",
    );
  });

  it("destroys the body when the consumer stops early", async () => {
    let destroyed = false;
    const body = Object.assign(pieces("data: 1\n\ndata: 2\n\n", 1), {
      destroy: () => {
        destroyed = true;
      },
    });
    for await (const _ of readSse(body, options)) break;
    assert.equal(destroyed, true);
  });
});
