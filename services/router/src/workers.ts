import { connect } from "@switchyard/runtime";

/** A provider-worker connection pool with its in-flight call count. */
export interface WorkerConn {
  readonly address: string;
  readonly client: connect.ConnectClient;
  inFlight: number;
}

/** Spreads calls over provider-worker replicas by fewest in-flight calls. */
export interface WorkerPool {
  /** Takes the least busy worker and counts the call until `release`. */
  acquire(): WorkerConn;
  release(conn: WorkerConn): void;
  close(): Promise<void>;
}

/**
 * Creates a pool over static worker addresses (their Connect HTTP endpoints). Each address keeps its own
 * keep-alive connections, so balancing happens here per call, not in a Kubernetes Service. Ties rotate.
 */
export function createWorkerPool(addresses: readonly string[]): WorkerPool {
  const conns: WorkerConn[] = addresses.map((address) => ({
    address,
    client: connect.createConnectClient(address),
    inFlight: 0,
  }));
  let next = 0;
  return {
    acquire() {
      let best = conns[next % conns.length]!;
      for (let i = 1; i < conns.length; i++) {
        const c = conns[(next + i) % conns.length]!;
        if (c.inFlight < best.inFlight) best = c;
      }
      next++;
      best.inFlight++;
      return best;
    },
    release(conn) {
      conn.inFlight--;
    },
    async close() {
      await Promise.all(conns.map((c) => c.client.close()));
    },
  };
}
