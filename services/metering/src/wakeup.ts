// A wake-up call between the pipeline's loops: waiters sleep until something changed, then look again.

/** Wakes every current waiter on `notify`. */
export interface Wakeup {
  notify(): void;
  /** Resolves on the next `notify`, or at once when `signal` is (or becomes) aborted. */
  wait(signal: AbortSignal): Promise<void>;
}

/** Creates a wake-up call with no waiters. */
export function createWakeup(): Wakeup {
  let waiters: Array<() => void> = [];
  return {
    notify() {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
    wait(signal) {
      return new Promise((resolve) => {
        if (signal.aborted) return resolve();
        const done = () => {
          signal.removeEventListener("abort", done);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        waiters.push(done);
        signal.addEventListener("abort", done, { once: true });
      });
    },
  };
}
