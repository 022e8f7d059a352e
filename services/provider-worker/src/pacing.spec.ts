import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { DEADLINE_MARGIN_MS, Pacer } from "./pacing.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with how long `signal` took to abort, in ms. */
function abortedAfter(signal: AbortSignal): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(Date.now() - started), { once: true }),
  );
}

describe("Pacer", () => {
  it("aborts when the first chunk does not come within first_token_timeout", async () => {
    const pacer = new Pacer(new AbortController().signal, { firstTokenMs: 50, idleMs: 5_000 });
    const ms = await abortedAfter(pacer.signal);
    assert.ok(ms >= 40, `aborted after ${ms} ms`);
    assert.equal(pacer.reason?.errorClass, llm.ErrorClass.TIMEOUT);
    assert.match(pacer.reason?.message ?? "", /first_token_timeout/);
    assert.equal(pacer.signal.reason, pacer.reason, "the adapter sees the same error");
  });

  it("swaps to the idle limit after the first chunk and restarts it on every chunk", async () => {
    const pacer = new Pacer(new AbortController().signal, { firstTokenMs: 60, idleMs: 60 });
    for (let i = 0; i < 5; i++) {
      await sleep(30);
      pacer.chunk();
    }
    assert.equal(pacer.signal.aborted, false, "chunks every 30 ms keep a 60 ms idle limit from firing");
    await abortedAfter(pacer.signal);
    assert.match(pacer.reason?.message ?? "", /stream_timeout/);
  });

  it("ends the stream a margin before the propagated deadline", async () => {
    const deadline = Date.now() + DEADLINE_MARGIN_MS + 50;
    const pacer = new Pacer(new AbortController().signal, { deadline });
    pacer.chunk();
    await abortedAfter(pacer.signal);
    assert.ok(Date.now() < deadline, "before the deadline itself");
    assert.match(pacer.reason?.message ?? "", /total_timeout/);
  });

  it("leaves the caller's abort alone and stops its timers on close", async () => {
    const caller = new AbortController();
    const pacer = new Pacer(caller.signal, { firstTokenMs: 20 });
    caller.abort();
    assert.equal(pacer.signal.aborted, true);
    await sleep(40);
    assert.equal(pacer.reason, undefined, "a cancelled call is not a timeout");
    const closed = new Pacer(new AbortController().signal, { firstTokenMs: 20 });
    closed.close();
    await sleep(40);
    assert.equal(closed.signal.aborted, false);
  });
});
