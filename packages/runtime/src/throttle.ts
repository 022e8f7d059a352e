// Throttled logging: a failure that repeats per request (an outage) is logged once per interval per kind, with how
// many were passed over since, instead of a line per request.

/** Decides whether an event of `kind` is logged now; when it is, says how many of that kind were skipped since. */
export type Throttle = (kind: string) => { log: true; skipped: number } | { log: false };

/** Default interval: one line per kind every 10 s. */
export const THROTTLE_MS = 10_000;

/** Creates a throttle; `now` is injectable for tests. At most 1000 kinds are remembered. */
export function createThrottle(everyMs = THROTTLE_MS, now: () => number = Date.now): Throttle {
  const last = new Map<string, { at: number; skipped: number }>();
  return (kind) => {
    const t = now();
    const seen = last.get(kind);
    if (seen && t - seen.at < everyMs) {
      seen.skipped++;
      return { log: false };
    }
    if (!seen && last.size >= 1000) last.clear();
    last.set(kind, { at: t, skipped: 0 });
    return { log: true, skipped: seen?.skipped ?? 0 };
  };
}
