import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { linkSignal } from "./signals.js";

describe("linkSignal", () => {
  it("aborts with the parent's reason", () => {
    const parent = new AbortController();
    const linked = linkSignal(parent.signal, 60_000);
    assert.equal(linked.signal.aborted, false);
    const reason = new Error("caller went away");
    parent.abort(reason);
    assert.equal(linked.signal.reason, reason);
    linked.dispose();
  });

  it("starts aborted when the parent already is", () => {
    const linked = linkSignal(AbortSignal.abort("gone"));
    assert.equal(linked.signal.aborted, true);
    assert.equal(linked.signal.reason, "gone");
    linked.dispose();
  });

  it("times out with a TimeoutError, as AbortSignal.timeout does", async () => {
    const linked = linkSignal(new AbortController().signal, 20);
    await new Promise((resolve) => linked.signal.addEventListener("abort", resolve));
    assert.equal((linked.signal.reason as DOMException).name, "TimeoutError");
  });

  it("stops following the parent and the clock once disposed", async () => {
    const parent = new AbortController();
    const linked = linkSignal(parent.signal, 20);
    linked.dispose();
    await new Promise((resolve) => setTimeout(resolve, 40));
    parent.abort();
    assert.equal(linked.signal.aborted, false);
  });

  it("has no time limit without a positive ms", async () => {
    const linked = linkSignal(new AbortController().signal, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(linked.signal.aborted, false);
    linked.dispose();
  });

  it("aborts alone with its own reason, leaving the parent as it was", () => {
    const parent = new AbortController();
    const linked = linkSignal(parent.signal);
    linked.abort("own limit");
    assert.equal(linked.signal.reason, "own limit");
    assert.equal(parent.signal.aborted, false);
    linked.dispose();
  });
});
