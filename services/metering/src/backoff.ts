// Waiting between attempts: exponential, capped and jittered, and cut short when the service stops.

/** The wait before attempt `attempt + 1`: 200 ms doubling up to `capMs`, jittered to 50–100 % so replicas spread. */
export function backoffMs(attempt: number, capMs = 5_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, 200 * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Runs `attempt` until it succeeds or `deadlineMs` passes, waiting `backoffMs` between tries; rethrows the last error. */
export async function retryUntil<T>(
  deadlineMs: number,
  attempt: () => Promise<T>,
  onError: (err: unknown, attempt: number) => void,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const wait = backoffMs(n);
      if (Date.now() + wait > deadlineMs) throw err;
      onError(err, n);
      await sleep(wait);
    }
  }
}
