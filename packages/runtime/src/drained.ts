import type { EventEmitter } from "node:events";

/**
 * Resolves once a writable's buffers drain, or as soon as `giveUp` fires (the peer went away), so a
 * writer waiting on backpressure never hangs on a dead connection.
 */
export function drained(writable: EventEmitter, giveUp = "close"): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      writable.off("drain", done);
      writable.off(giveUp, done);
      resolve();
    };
    writable.on("drain", done);
    writable.on(giveUp, done);
  });
}

/**
 * Resolves on the next turn of the event loop, once Node has sent what was written in this one: `http` corks a
 * response's writes until the next tick, so every message a stream produces within one turn leaves in one write.
 * Streams await this after their first message, which then leaves on its own instead of with the whole burst behind
 * it (an upstream whose chunks arrive together would otherwise hold back the time to first token).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What `streamWriter` writes to: an HTTP response, or any writable with `drain` and `close` events. */
export interface StreamTarget extends EventEmitter {
  write(chunk: string | Uint8Array): boolean;
}

/**
 * Writes a stream's messages to `target`: returns a promise to await when the buffers are full (see `drained`), and
 * after the first message (see `nextTurn`), so that the first leaves on its own; undefined otherwise, so that the
 * messages of one burst cost no extra turn.
 */
export function streamWriter(target: StreamTarget): (chunk: string | Uint8Array) => Promise<void> | undefined {
  let first = true;
  return (chunk) => {
    if (!target.write(chunk)) {
      first = false;
      return drained(target);
    }
    if (!first) return undefined;
    first = false;
    return nextTurn();
  };
}
