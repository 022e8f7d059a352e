import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { streamWriter } from "./drained.js";

/** A writable whose `write` answers from `full`, recording what was written. */
class Target extends EventEmitter {
  readonly written: string[] = [];
  full = false;
  write(chunk: string | Uint8Array): boolean {
    this.written.push(String(chunk));
    return !this.full;
  }
}

describe("streamWriter", () => {
  it("waits one turn after the first message only, and for drain whenever the buffers are full", async () => {
    const target = new Target();
    const write = streamWriter(target);
    const first = write("a");
    assert.ok(first, "the first message waits a turn");
    await first;
    assert.equal(write("b"), undefined, "later ones in a burst cost no turn");
    target.full = true;
    let drained = false;
    const wait = write("c")?.then(() => {
      drained = true;
    });
    assert.ok(wait);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    target.emit("drain");
    await wait;
    assert.deepEqual(target.written, ["a", "b", "c"]);
  });
});
