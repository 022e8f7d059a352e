import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError, PEER_UNAVAILABLE_MESSAGE } from "@switchyard/runtime";
import { createFailover, NO_WORKER_CODE } from "./failover.js";
import type { WorkerConn, WorkerPool } from "./workers.js";

/** A pool of named workers, least in-flight first, ties in order. */
function fakePool(addresses: string[]): WorkerPool & { conns: WorkerConn[] } {
  const conns = addresses.map((address) => ({ address, inFlight: 0 }) as unknown as WorkerConn);
  return {
    conns,
    acquire() {
      const best = conns.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      best.inFlight++;
      return best;
    },
    release(conn: WorkerConn) {
      conn.inFlight--;
    },
    async close() {},
  } as unknown as WorkerPool & { conns: WorkerConn[] };
}

const peerDown = () => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: PEER_UNAVAILABLE_MESSAGE });

describe("worker failover", () => {
  it("moves a call a worker could not take to the next worker, and passes over that worker for a while", async () => {
    const pool = fakePool(["w0", "w1", "w2"]);
    const failover = createFailover(pool);
    const seen: string[] = [];
    const value = await failover.run(async (conn) => {
      seen.push(conn.address);
      if (conn.address === "w0") throw peerDown();
      return conn.address;
    });
    assert.equal(value, "w1");
    assert.deepEqual(seen, ["w0", "w1"]);
    assert.equal(await failover.run(async (conn) => conn.address), "w1", "w0 is suspect: w1 and w2 come first");
    assert.deepEqual(
      pool.conns.map((c) => c.inFlight),
      [0, 0, 0],
      "every worker released",
    );
  });

  it("does not move an answer from behind the worker (an upstream error) anywhere", async () => {
    const failover = createFailover(fakePool(["w0", "w1"]));
    let calls = 0;
    const upstream = new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "the provider answered 503" });
    await assert.rejects(
      failover.run(async () => {
        calls++;
        throw upstream;
      }),
      (err) => err === upstream,
    );
    assert.equal(calls, 1);
  });

  it("keeps a stream's worker counted until the caller releases it", async () => {
    const pool = fakePool(["w0", "w1"]);
    const failover = createFailover(pool);
    const conn = await failover.run(async (c, keep) => {
      keep();
      return c;
    });
    assert.equal(conn.inFlight, 1);
    pool.release(conn);
    assert.equal(conn.inFlight, 0);
  });

  it("waits for a worker when none takes the call, then gives up with a code the breakers ignore", async () => {
    let t = 0;
    const failover = createFailover(fakePool(["w0", "w1"]), () => t);
    let calls = 0;
    const started = Date.now();
    await assert.rejects(
      failover.run(async () => {
        calls++;
        t += 700;
        throw peerDown();
      }),
      (err: GatewayError) => err.detail.code === NO_WORKER_CODE,
    );
    assert.ok(calls >= 4, `tried again after a pause: ${calls} calls`);
    assert.ok(Date.now() - started < 2_000);
  });

  it("stops waiting for a worker when the caller goes away", async () => {
    const failover = createFailover(fakePool(["w0"]));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = Date.now();
    await assert.rejects(
      failover.run(async () => {
        throw peerDown();
      }, controller.signal),
      (err: GatewayError) => err.errorClass === llm.ErrorClass.CANCELLED,
    );
    assert.ok(Date.now() - started < 1_000, "well before the 3 s wait");
  });
});
