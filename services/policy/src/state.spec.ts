import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import type { StoredKey } from "./records.js";
import { createState } from "./state.js";

function stored(keyId: string, teamId = "", hashByte = 1): StoredKey {
  return { key: create(policy.KeySchema, { keyId, teamId }), hash: new Uint8Array(32).fill(hashByte) };
}

describe("policy state", () => {
  it("applies only newer revisions, deletes included", () => {
    const state = createState();
    assert.equal(state.apply("keys", "k", 5, stored("k", "t1")), true);
    assert.equal(state.apply("keys", "k", 4, stored("k", "t2")), false);
    assert.equal(state.apply("keys", "k", 5, stored("k", "t2")), false);
    assert.equal(state.get("keys", "k")?.key.teamId, "t1");
    assert.equal(state.apply("keys", "k", 6, undefined), true);
    assert.equal(state.get("keys", "k"), undefined);
    assert.equal(state.revision("keys", "k"), 6);
    assert.equal(state.apply("keys", "k", 5, stored("k")), false, "a stale put cannot resurrect a deleted key");
    assert.deepEqual([...state.values("keys")], []);
  });

  it("indexes keys by hash, team and user, and teams by member", () => {
    const state = createState();
    state.apply("keys", "k1", 1, stored("k1", "t1", 1));
    state.apply("keys", "k2", 2, stored("k2", "t1", 2));
    const hash1 = Buffer.from(new Uint8Array(32).fill(1)).toString("base64");
    assert.equal(state.keyIdByHash(hash1), "k1");
    assert.deepEqual(state.keysOfTeam("t1").sort(), ["k1", "k2"]);
    // Regenerated: the old hash no longer leads anywhere.
    state.apply("keys", "k1", 3, stored("k1", "t2", 9));
    assert.equal(state.keyIdByHash(hash1), undefined);
    assert.deepEqual(state.keysOfTeam("t1"), ["k2"]);
    const team = create(policy.TeamSchema, { teamId: "t1", members: [{ userId: "u1" }, { userId: "u2" }] });
    state.apply("teams", "t1", 4, team);
    state.apply("teams", "t0", 5, create(policy.TeamSchema, { teamId: "t0", members: [{ userId: "u1" }] }));
    assert.deepEqual(state.teamsOfUser("u1"), ["t0", "t1"]);
    state.apply("teams", "t1", 6, undefined);
    assert.deepEqual(state.teamsOfUser("u2"), []);
  });

  it("coalesces the invalidations of one tick: key ids, or all for teams and users", async () => {
    const state = createState();
    const seen: policy.WatchInvalidationsResponse[] = [];
    state.onInvalidate((m) => seen.push(m));
    state.apply("keys", "k1", 1, stored("k1"));
    state.apply("keys", "k2", 2, stored("k2", "", 2));
    state.apply("customers", "c", 3, create(policy.CustomerSchema, { userId: "c" }));
    await Promise.resolve();
    assert.deepEqual(
      seen.map((m) => [m.all, m.keyIds.sort()]),
      [[false, ["k1", "k2"]]],
    );
    state.apply("keys", "k1", 4, undefined);
    state.apply("users", "u", 5, create(policy.UserSchema, { userId: "u" }));
    await Promise.resolve();
    assert.deepEqual(seen.map((m) => [m.all, m.keyIds]).at(-1), [true, []]);
    state.apply("teams", "never-existed", 6, undefined);
    await Promise.resolve();
    assert.equal(seen.length, 2, "deleting what was never there invalidates nothing");
  });
});
