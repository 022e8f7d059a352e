// Worker failover: an attempt whose provider worker could not take the call (unreachable, connection reset, draining)
// goes to another worker at once; when none takes it, it waits for one for up to 3 s. Nothing reached the upstream through that worker, so this is not a retry of the
// deployment: it does not count against the deployment's breaker or retries. Only when no worker takes the call does
// the attempt fail, with an UNAVAILABLE the breakers do not count (`NO_WORKER_CODE`).

import { llm } from "@switchyard/proto";
import { GatewayError, isPeerUnavailable } from "@switchyard/runtime";
import type { WorkerConn, WorkerPool } from "./workers.js";

/** The error code of an attempt that found no worker to take it. */
export const NO_WORKER_CODE = "no_worker_available";
/** How long a worker that failed a call is passed over while others are available. */
const SUSPECT_MS = 2_000;
/** Most workers one attempt tries in one round. */
const MAX_WORKERS_PER_ATTEMPT = 8;
/**
 * When every worker failed to take the call (all restarting at once, or the one left is draining), the attempt waits
 * and tries them all again, for at most this long: a rolling restart then costs latency, not requests.
 */
const WAIT_FOR_WORKERS_MS = 3_000;
const ROUND_PAUSE_MS = 100;

/** Runs calls on workers, moving on from workers that fail to take them. */
export interface Failover {
  /**
   * Runs `call` on a worker, and on the next one while workers fail to take it. The worker's in-flight count is
   * released when the call settles, unless the call asked to `keep` it (a stream that goes on): then the caller
   * releases it with `pool.release` when the stream ends.
   */
  run<T>(call: (conn: WorkerConn, keep: () => void) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Creates the failover over a pool; `now` is injectable for tests. */
export function createFailover(pool: WorkerPool, now: () => number = Date.now): Failover {
  const suspects = new Map<string, number>();
  const suspect = (address: string) => (suspects.get(address) ?? 0) > now();

  /**
   * The least busy worker not in `avoid` and not suspect. Workers to pass over are held (their in-flight count
   * raised) while looking, so the pool offers the next one, and released afterwards.
   */
  const pick = (avoid: ReadonlySet<string>): WorkerConn => {
    const held: WorkerConn[] = [];
    let chosen: WorkerConn | undefined;
    let fallback: WorkerConn | undefined;
    try {
      for (let i = 0; i < MAX_WORKERS_PER_ATTEMPT * 2; i++) {
        const conn = pool.acquire();
        if (!avoid.has(conn.address) && !suspect(conn.address)) {
          chosen = conn;
          break;
        }
        if (held.some((h) => h === conn)) {
          // The pool came round again: nothing better is there.
          pool.release(conn);
          break;
        }
        if (!fallback && !avoid.has(conn.address)) fallback = conn;
        held.push(conn);
      }
    } finally {
      for (const conn of held) if (conn !== fallback || chosen) pool.release(conn);
    }
    if (chosen) return chosen;
    if (fallback) return fallback; // only suspects left: try one of them rather than none
    throw new GatewayError({
      class: llm.ErrorClass.UNAVAILABLE,
      message: "no provider worker available",
      code: NO_WORKER_CODE,
    });
  };

  return {
    async run(call, signal) {
      const tried = new Set<string>();
      const giveUpAt = now() + WAIT_FOR_WORKERS_MS;
      for (;;) {
        let conn: WorkerConn;
        try {
          conn = pick(tried);
        } catch (err) {
          if (now() >= giveUpAt) throw err;
          // Every worker was tried: give them a moment, then try each again (unless the caller has gone).
          await pause(ROUND_PAUSE_MS, signal);
          if (signal?.aborted) {
            throw new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "request cancelled" }, { cause: err });
          }
          tried.clear();
          continue;
        }
        let kept = false;
        let ok = false;
        try {
          const value = await call(conn, () => {
            kept = true;
          });
          ok = true;
          return value;
        } catch (err) {
          const error = GatewayError.from(err);
          if (!isPeerUnavailable(error)) throw err;
          suspects.set(conn.address, now() + SUSPECT_MS);
          tried.add(conn.address);
          if (tried.size >= MAX_WORKERS_PER_ATTEMPT && now() >= giveUpAt) {
            throw new GatewayError(
              { class: llm.ErrorClass.UNAVAILABLE, message: "no provider worker took the call", code: NO_WORKER_CODE },
              { cause: err },
            );
          }
          if (tried.size >= MAX_WORKERS_PER_ATTEMPT) tried.clear();
        } finally {
          if (!(ok && kept)) pool.release(conn);
        }
      }
    },
  };
}
