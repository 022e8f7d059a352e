import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { llm, policy } from "@switchyard/proto";
import { withMembers } from "./admin-teams.js";
import { type Replica, rejectsWith, startReplica, until } from "./testkit.js";

describe("policy store on NATS KV", () => {
  let nats: NatsServer;
  let a: Replica;
  let b: Replica;
  before(async () => {
    nats = await startNats();
    a = await startReplica(nats.url);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
  });

  const team = (teamId: string, alias = "") => create(policy.TeamSchema, { teamId, teamAlias: alias });

  it("loads what was written before it started, deletes included", async () => {
    await a.store.mutate("teams", "early", () => team("early", "first"));
    await a.store.mutate("teams", "gone", () => team("gone"));
    await a.store.mutate("teams", "gone", () => null);
    await a.store.mutate("customers", "cust@example.com", () =>
      create(policy.CustomerSchema, { userId: "cust@example.com", alias: "c" }),
    );
    b = await startReplica(nats.url);
    assert.equal(b.store.state.get("teams", "early")?.teamAlias, "first");
    assert.equal(b.store.state.get("teams", "gone"), undefined);
    assert.equal(b.store.state.get("customers", "cust@example.com")?.alias, "c");
  });

  it("reads its own writes at once and shows them to the other replica through the watch", async () => {
    const written = await a.store.mutate("users", "u1", () => create(policy.UserSchema, { userId: "u1" }));
    assert.equal(written?.userId, "u1");
    assert.equal(a.store.state.get("users", "u1")?.userId, "u1");
    assert.ok(await until(() => b.store.state.get("users", "u1") !== undefined));
    await b.store.mutate("users", "u1", (current) => ({ ...current!, userEmail: "u1@example.com" }));
    assert.ok(await until(() => a.store.state.get("users", "u1")?.userEmail === "u1@example.com"));
    await a.store.mutate("users", "u1", () => null);
    assert.equal(a.store.state.get("users", "u1"), undefined);
    assert.ok(await until(() => b.store.state.get("users", "u1") === undefined));
    assert.equal(await a.store.mutate("users", "u1", () => null), null, "deleting what is gone is a no-op");
  });

  it("leaves a record alone when the mutation returns it unchanged", async () => {
    await a.store.mutate("teams", "same", () => team("same"));
    const revision = a.store.state.revision("teams", "same");
    await a.store.mutate("teams", "same", (current) => current);
    assert.equal(a.store.state.revision("teams", "same"), revision);
  });

  it("never loses an update when both replicas change the same record at once", async () => {
    await a.store.mutate("teams", "busy", () => team("busy"));
    assert.ok(await until(() => b.store.state.get("teams", "busy") !== undefined));
    let runs = 0;
    const writes = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? a : b).store.mutate("teams", "busy", (current) => {
        runs++;
        const member = create(policy.TeamMemberSchema, { userId: `m${i}`, role: policy.TeamRole.USER });
        return withMembers(current!, [member], Date.now());
      }),
    );
    await Promise.all(writes);
    assert.ok(runs > 40, `expected compare-and-set conflicts to re-run mutations, ran ${runs}`);
    const expected = Array.from({ length: 40 }, (_, i) => `m${i}`).sort();
    for (const replica of [a, b]) {
      assert.ok(await until(() => replica.store.state.get("teams", "busy")?.members.length === 40));
      assert.deepEqual(
        replica.store.state
          .get("teams", "busy")
          ?.members.map((m) => m.userId)
          .sort(),
        expected,
      );
    }
  });

  it("aborts a write when the mutation throws, writing nothing", async () => {
    const revision = a.store.state.revision("teams", "busy");
    await assert.rejects(
      a.store.mutate("teams", "busy", () => {
        throw new Error("refused");
      }),
      /refused/,
    );
    assert.equal(a.store.state.revision("teams", "busy"), revision);
  });

  it("keeps serving its copy while NATS is down, refuses writes, and catches up afterwards", async () => {
    await a.store.mutate("teams", "outage", () => team("outage", "before"));
    assert.ok(await until(() => b.store.state.get("teams", "outage") !== undefined));
    await nats.kill("SIGKILL");
    assert.equal(a.store.state.get("teams", "outage")?.teamAlias, "before");
    await rejectsWith(
      a.store.mutate("teams", "outage", (t) => ({ ...t!, teamAlias: "during" })),
      llm.ErrorClass.UNAVAILABLE,
      /NATS unreachable/,
    );
    await nats.restart();
    let written = false;
    for (let i = 0; i < 100 && !written; i++) {
      written = await b.store
        .mutate("teams", "outage", (t) => ({ ...t!, teamAlias: "after" }))
        .then(
          () => true,
          () => until(() => false, 100),
        );
    }
    assert.ok(written, "writes work again once NATS is back");
    assert.ok(await until(() => a.store.state.get("teams", "outage")?.teamAlias === "after", 30_000));
  });
});

describe("policy store startup", () => {
  it("opens the buckets when many replicas start at once on a fresh NATS", async () => {
    const nats = await startNats();
    try {
      const replicas = await Promise.all(Array.from({ length: 8 }, () => startReplica(nats.url)));
      await replicas[0]!.store.mutate("teams", "t", () => create(policy.TeamSchema, { teamId: "t" }));
      for (const r of replicas) assert.ok(await until(() => r.store.state.get("teams", "t") !== undefined));
      await Promise.all(replicas.map((r) => r.close()));
    } finally {
      await nats.stop();
    }
  });
});
