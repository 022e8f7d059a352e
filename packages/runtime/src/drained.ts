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
