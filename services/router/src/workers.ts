import { llm } from "@switchyard/proto";
import { connect, GatewayError } from "@switchyard/runtime";
import { NO_WORKER_CODE } from "./failover.js";

/** A provider-worker connection pool with its in-flight call count. */
export interface WorkerConn {
  readonly address: string;
  readonly client: connect.ConnectClient;
  inFlight: number;
}

/** What one `update` changed. */
export interface WorkerChange {
  added: string[];
  removed: string[];
}

/** Spreads calls over provider-worker replicas by fewest in-flight calls; the set of replicas may change. */
export interface WorkerPool {
  /**
   * Takes the least busy worker and counts the call until `release`; ties rotate. Throws a retryable UNAVAILABLE
   * (code `no_worker_available`, which the breakers do not count) while the pool has no worker.
   */
  acquire(): WorkerConn;
  release(conn: WorkerConn): void;
  /**
   * Replaces the set of workers. A new address gets its own client; a removed one takes no new calls, keeps the calls
   * it is serving and closes its client once the last of them is released. Returns what changed.
   */
  update(addresses: readonly string[]): WorkerChange;
  /** The addresses that take new calls, in the order they joined. */
  addresses(): string[];
  close(): Promise<void>;
}

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Creates the client of a new worker; a Connect client by default (tests pass fakes). */
  createClient?: (address: string) => connect.ConnectClient;
}

/**
 * Creates a pool over worker addresses (their Connect HTTP endpoints), the initial set of `update`. Each address keeps
 * its own keep-alive connections, so balancing happens here per call, not in a Kubernetes Service.
 */
export function createWorkerPool(addresses: readonly string[], options: WorkerPoolOptions = {}): WorkerPool {
  const createClient = options.createClient ?? ((address: string) => connect.createConnectClient(address));
  let active: WorkerConn[] = [];
  /** Removed workers still serving calls, by address; their clients close when the last call is released. */
  const retiring = new Map<string, WorkerConn>();
  let next = 0;
  let closed = false;

  const closeClient = (conn: WorkerConn) => {
    // A close failure only means the connections were already gone.
    conn.client.close().catch(() => {});
  };

  const pool: WorkerPool = {
    acquire() {
      if (active.length === 0) {
        throw new GatewayError({
          class: llm.ErrorClass.UNAVAILABLE,
          message: "no provider worker available",
          code: NO_WORKER_CODE,
        });
      }
      let best = active[next % active.length]!;
      for (let i = 1; i < active.length; i++) {
        const c = active[(next + i) % active.length]!;
        if (c.inFlight < best.inFlight) best = c;
      }
      next++;
      best.inFlight++;
      return best;
    },
    release(conn) {
      if (conn.inFlight > 0) conn.inFlight--;
      if (conn.inFlight === 0 && retiring.get(conn.address) === conn) {
        retiring.delete(conn.address);
        closeClient(conn);
      }
    },
    update(addresses) {
      if (closed) return { added: [], removed: [] };
      const wanted = new Set(addresses);
      const change: WorkerChange = { added: [], removed: [] };
      const kept = active.filter((c) => wanted.has(c.address));
      for (const conn of active) {
        if (wanted.has(conn.address)) continue;
        change.removed.push(conn.address);
        if (conn.inFlight === 0) closeClient(conn);
        else retiring.set(conn.address, conn);
      }
      const present = new Set(kept.map((c) => c.address));
      for (const address of wanted) {
        if (present.has(address)) continue;
        present.add(address);
        change.added.push(address);
        // A worker that comes back while still finishing its calls keeps its client (and its in-flight count).
        const back = retiring.get(address);
        retiring.delete(address);
        kept.push(back ?? { address, client: createClient(address), inFlight: 0 });
      }
      active = kept;
      return change;
    },
    addresses() {
      return active.map((c) => c.address);
    },
    async close() {
      closed = true;
      const all = [...active, ...retiring.values()];
      active = [];
      retiring.clear();
      await Promise.all(all.map((c) => c.client.close()));
    },
  };
  pool.update(addresses);
  return pool;
}
