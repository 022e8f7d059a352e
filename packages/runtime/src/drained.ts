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
