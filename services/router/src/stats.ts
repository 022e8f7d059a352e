// What this router replica has seen of each deployment: requests in flight, a moving average of attempt latency, and
// the requests it sent in the last minute. The strategies read it. It is per replica on purpose: sharing it would put
// a network round trip on every routing decision, and each replica sees a proportional sample of the traffic, so the
// choices agree in aggregate (docs/routing.md says what that approximation costs).

/** Weight of the newest sample in the latency average. */
const ALPHA = 0.2;
/** Seconds the request counts cover (a rolling minute). */
const WINDOW_SECONDS = 60;

interface Entry {
  inFlight: number;
  /** Retries sent per second over the last minute: [second, count] oldest first. */
  retries: [number, number][];
  /** Moving average of attempt latency in ms; undefined until the first sample. */
  latencyMs: number | undefined;
  /** Requests per second over the last minute: [second, count] oldest first. */
  seconds: [number, number][];
  /** Tokens per second over the last minute: [second, tokens] oldest first. */
  tokens: [number, number][];
}

/** Per-deployment observations of one router replica. */
export interface DeploymentStats {
  /** An attempt starts; returns the function that ends it (with its latency when it succeeded). */
  begin(id: string): (outcome: { ok: boolean; latencyMs: number }) => void;
  inFlight(id: string): number;
  /** Moving average of successful attempts' latency (ms); undefined before the first. */
  latencyMs(id: string): number | undefined;
  /** Attempts started in the last 60 seconds. */
  requestsLastMinute(id: string): number;
  /** Counts a retry sent to `id` (an attempt after the request's first). */
  retried(id: string): void;
  /** Retries sent to `id` in the last 60 seconds. */
  retriesLastMinute(id: string): number;
  /** Counts the tokens (prompt and completion) an attempt on `id` used. */
  tokens(id: string, count: number): void;
  /** Tokens used on `id` in the last 60 seconds. */
  tokensLastMinute(id: string): number;
}

/** Creates empty statistics; `now` is injectable for tests. */
export function createStats(now: () => number = Date.now): DeploymentStats {
  const entries = new Map<string, Entry>();
  const entry = (id: string): Entry => {
    let e = entries.get(id);
    if (!e) {
      e = { inFlight: 0, latencyMs: undefined, seconds: [], retries: [], tokens: [] };
      entries.set(id, e);
    }
    return e;
  };
  const prune = (e: Entry, second: number) => {
    for (const list of [e.seconds, e.retries, e.tokens]) {
      while (list.length > 0 && (list[0] as [number, number])[0] <= second - WINDOW_SECONDS) list.shift();
    }
  };
  const count = (list: [number, number][], second: number, n = 1) => {
    const last = list[list.length - 1];
    if (last && last[0] === second) last[1] += n;
    else list.push([second, n]);
  };
  const total = (list: [number, number][]) => list.reduce((sum, [, n]) => sum + n, 0);
  return {
    begin(id) {
      const e = entry(id);
      e.inFlight++;
      const second = Math.floor(now() / 1000);
      prune(e, second);
      count(e.seconds, second);
      let ended = false;
      return ({ ok, latencyMs }) => {
        if (ended) return;
        ended = true;
        e.inFlight--;
        if (ok) e.latencyMs = e.latencyMs === undefined ? latencyMs : e.latencyMs + ALPHA * (latencyMs - e.latencyMs);
      };
    },
    inFlight: (id) => entries.get(id)?.inFlight ?? 0,
    latencyMs: (id) => entries.get(id)?.latencyMs,
    requestsLastMinute(id) {
      const e = entries.get(id);
      if (!e) return 0;
      prune(e, Math.floor(now() / 1000));
      return total(e.seconds);
    },
    retried(id) {
      const e = entry(id);
      const second = Math.floor(now() / 1000);
      prune(e, second);
      count(e.retries, second);
    },
    retriesLastMinute(id) {
      const e = entries.get(id);
      if (!e) return 0;
      prune(e, Math.floor(now() / 1000));
      return total(e.retries);
    },
    tokens(id, n) {
      if (!(n > 0)) return;
      const e = entry(id);
      const second = Math.floor(now() / 1000);
      prune(e, second);
      count(e.tokens, second, n);
    },
    tokensLastMinute(id) {
      const e = entries.get(id);
      if (!e) return 0;
      prune(e, Math.floor(now() / 1000));
      return total(e.tokens);
    },
  };
}
