import type * as grpc from "@grpc/grpc-js";
import { createClient } from "@switchyard/runtime";

/** A provider-worker connection with its in-flight call count. */
export interface WorkerConn {
  readonly address: string;
  readonly client: grpc.Client;
  inFlight: number;
}

/** Spreads calls over provider-worker replicas by fewest in-flight calls. */
export interface WorkerPool {
  /** Takes the least busy worker and counts the call until `release`. */
  acquire(): WorkerConn;
  release(conn: WorkerConn): void;
  close(): void;
}

/**
 * Creates a pool over static worker addresses. gRPC keeps one long-lived HTTP/2 connection per
 * address, so balancing happens here per call, not in a Kubernetes Service. Ties rotate.
 */
export function createWorkerPool(addresses: readonly string[]): WorkerPool {
  const conns: WorkerConn[] = addresses.map((address) => ({ address, client: createClient(address), inFlight: 0 }));
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
    close() {
      for (const c of conns) c.client.close();
    },
  };
}
