import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { type connect, GatewayError } from "@switchyard/runtime";
import { NO_WORKER_CODE } from "./failover.js";
import { createWorkerPool } from "./workers.js";

/** A pool whose clients only record that they were created and closed. */
function fakePool(addresses: string[]) {
  const created: string[] = [];
  const closed: string[] = [];
  const createClient = (address: string) => {
    created.push(address);
    const client: Partial<connect.ConnectClient> = {
      address,
      close: async () => {
        closed.push(address);
      },
    };
    return client as connect.ConnectClient;
  };
  return { pool: createWorkerPool(addresses, { createClient }), created, closed };
}

describe("worker pool", () => {
  it("gives each call to the worker with the fewest in flight, rotating ties", () => {
    const { pool } = fakePool(["a:1", "b:1", "c:1"]);
    const first = [pool.acquire(), pool.acquire(), pool.acquire()].map((c) => c.address);
    assert.deepEqual(first.sort(), ["a:1", "b:1", "c:1"], "equal load: every worker once");
    const b = pool.acquire();
    pool.release(pool.acquire());
    const busy = pool.acquire();
    assert.notEqual(busy.address, b.address, "the worker with two calls is passed over");
    // Ties rotate: with nothing in flight, consecutive acquire/release pairs visit every worker.
    const { pool: idle } = fakePool(["a:1", "b:1", "c:1"]);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const conn = idle.acquire();
      seen.add(conn.address);
      idle.release(conn);
    }
    assert.equal(seen.size, 3);
  });

  it("fails a call with a retryable UNAVAILABLE the breakers ignore while it has no worker", () => {
    const { pool } = fakePool([]);
    assert.throws(
      () => pool.acquire(),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.errorClass === llm.ErrorClass.UNAVAILABLE &&
        err.detail.code === NO_WORKER_CODE &&
        err.retryable,
    );
    pool.update(["a:1"]);
    assert.equal(pool.acquire().address, "a:1");
  });

  it("sends new calls to an added worker first, and creates one client per address", () => {
    const { pool, created } = fakePool(["a:1"]);
    pool.acquire();
    pool.acquire();
    const change = pool.update(["a:1", "b:1", "b:1"]);
    assert.deepEqual(change, { added: ["b:1"], removed: [] });
    assert.deepEqual(created, ["a:1", "b:1"]);
    assert.equal(pool.acquire().address, "b:1");
    assert.equal(pool.acquire().address, "b:1", "until it is as busy as the others");
    assert.deepEqual(pool.update(["b:1", "a:1"]), { added: [], removed: [] }, "order does not matter");
  });

  it("stops giving a removed worker calls but keeps its calls in flight, closing it after the last", () => {
    const { pool, closed } = fakePool(["a:1", "b:1"]);
    const calls = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
    const onA = calls.filter((c) => c.address === "a:1");
    assert.equal(onA.length, 2);
    assert.deepEqual(pool.update(["b:1"]), { added: [], removed: ["a:1"] });
    assert.deepEqual(pool.addresses(), ["b:1"]);
    for (let i = 0; i < 5; i++) assert.equal(pool.acquire().address, "b:1", "no new call goes to a removed worker");
    assert.deepEqual(closed, [], "its calls in flight keep their connection");
    pool.release(onA[0]!);
    assert.deepEqual(closed, []);
    pool.release(onA[1]!);
    assert.deepEqual(closed, ["a:1"], "closed once its last call ended");
    pool.release(onA[1]!);
    assert.deepEqual(closed, ["a:1"], "a stray release closes nothing twice");
  });

  it("closes an idle removed worker at once", () => {
    const { pool, closed } = fakePool(["a:1", "b:1"]);
    pool.update(["b:1"]);
    assert.deepEqual(closed, ["a:1"]);
  });

  it("keeps the client of a worker that comes back while it still serves calls", () => {
    const { pool, created, closed } = fakePool(["a:1", "b:1"]);
    const held = [pool.acquire(), pool.acquire()].find((c) => c.address === "a:1")!;
    pool.update(["b:1"]);
    pool.update(["a:1", "b:1"]);
    assert.deepEqual(created, ["a:1", "b:1"], "no second client for a:1");
    assert.ok(held.inFlight > 0);
    pool.release(held);
    assert.deepEqual(closed, [], "a worker that is back is not closed by its calls ending");
    assert.deepEqual(pool.addresses().sort(), ["a:1", "b:1"]);
  });

  it("closes every client, the draining ones too, and ignores updates afterwards", async () => {
    const { pool, closed } = fakePool(["a:1", "b:1"]);
    pool.acquire();
    pool.acquire();
    pool.update(["b:1"]);
    await pool.close();
    assert.deepEqual(closed.sort(), ["a:1", "b:1"]);
    assert.deepEqual(pool.update(["c:1"]), { added: [], removed: [] });
    assert.throws(() => pool.acquire());
  });
});
