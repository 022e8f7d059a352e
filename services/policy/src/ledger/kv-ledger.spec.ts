// The ledger on a real nats-server: two ledgers on one bucket stand for two policy replicas, and their combined
// decisions must be exactly what one ledger would decide.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { admit, settle } from "./entry.js";
import { createLedger, type Ledger, openLedgerBucket } from "./kv-ledger.js";

describe("ledger on NATS KV", () => {
  let nats: NatsServer;
  const connections: NatsConnection[] = [];
  let a: Ledger;
  let b: Ledger;
  before(async () => {
    nats = await startNats();
    for (let i = 0; i < 2; i++) connections.push(await connect({ servers: nats.url }));
    a = createLedger(await openLedgerBucket(connections[0] as NatsConnection, 1));
    b = createLedger(await openLedgerBucket(connections[1] as NatsConnection, 1));
  });
  after(async () => {
    for (const nc of connections) await nc.close();
    await nats?.stop();
  });

  it("admits exactly the limit when two replicas race on one entry", async () => {
    const now = Date.now();
    const limits = { rpm: 37, budgetWindowEndMs: 0 };
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? a : b).apply("key.race", (entry) =>
          admit(entry, limits, { id: `r${i}`, tokens: 0, nanos: 0n, nowMs: now, expiresAtMs: now + 60_000 }),
        ),
      ),
    );
    assert.equal(outcomes.filter((o) => o.ok).length, 37);
  });

  it("settles through the other replica, and only once", async () => {
    const now = Date.now();
    const limits = { parallel: 1, budgetWindowEndMs: 0 };
    const first = await a.apply("key.slots", (e) =>
      admit(e, limits, { id: "s1", tokens: 0, nanos: 0n, nowMs: now, expiresAtMs: now + 60_000 }),
    );
    assert.ok(first.ok);
    const blocked = await b.apply("key.slots", (e) =>
      admit(e, limits, { id: "s2", tokens: 0, nanos: 0n, nowMs: now, expiresAtMs: now + 60_000 }),
    );
    assert.equal(blocked.ok, false);
    const settled = await Promise.all([
      b.apply("key.slots", (e) => settle(e, "s1", { tokens: 0, nanos: 0n })),
      a.apply("key.slots", (e) => settle(e, "s1", { tokens: 0, nanos: 0n })),
    ]);
    assert.deepEqual(settled.sort(), [false, true]);
    // Replica a last wrote the entry before b's settle: its cached copy is stale and must not fool it.
    const again = await a.apply("key.slots", (e) =>
      admit(e, limits, { id: "s3", tokens: 0, nanos: 0n, nowMs: now, expiresAtMs: now + 60_000 }),
    );
    assert.ok(again.ok);
  });

  it("reads a value that changed behind its back before deciding that nothing changes", async () => {
    const now = Date.now();
    const limits = { parallel: 1, budgetWindowEndMs: 0 };
    const d = { id: "x1", tokens: 0, nanos: 0n, nowMs: now, expiresAtMs: now + 60_000 };
    assert.ok((await a.apply("key.stale", (e) => admit(e, limits, d))).ok);
    // b settles it; a still holds the version with the slot taken.
    assert.ok(await b.apply("key.stale", (e) => settle(e, "x1", { tokens: 0, nanos: 0n })));
    const view = await a.apply("key.stale", (e) => Object.keys(e.a).length);
    assert.equal(view, 0);
  });

  it("writes operations queued in the same tick as one batch", async () => {
    const bucket = await openLedgerBucket(connections[0] as NatsConnection, 1);
    let writes = 0;
    const ledger = createLedger({
      get: (key) => bucket.get(key),
      create: (key, value) => {
        writes++;
        return bucket.create(key, value);
      },
      update: (key, value, revision) => {
        writes++;
        return bucket.update(key, value, revision);
      },
    });
    const now = Date.now();
    const limits = { rpm: 1_000, budgetWindowEndMs: 0 };
    const admitted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.apply("key.batch", (e) =>
          admit(e, limits, { id: `b${i}`, tokens: 0, nanos: 0n, nowMs: now, expiresAtMs: now + 60_000 }),
        ),
      ),
    );
    assert.ok(admitted.every((o) => o.ok));
    assert.equal(writes, 1);
  });

  it("fails as UNAVAILABLE, not as a refusal, when NATS is gone", async () => {
    const nc = await connect({ servers: nats.url });
    const ledger = createLedger(await openLedgerBucket(nc, 1));
    await nc.close();
    await assert.rejects(
      ledger.apply("key.gone", (e) =>
        admit(e, { rpm: 1, budgetWindowEndMs: 0 }, { id: "g", tokens: 0, nanos: 0n, nowMs: 0, expiresAtMs: 1 }),
      ),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
    );
  });
});
