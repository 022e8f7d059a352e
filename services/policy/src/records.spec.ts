import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { idOfKvKey, kvKeyOf } from "./kv-keys.js";
import { decodeRecord, encodeRecord } from "./records.js";

describe("KV keys", () => {
  it("keep plain ids readable and escape everything else reversibly", () => {
    assert.equal(kvKeyOf("team-1_a"), "team-1_a");
    assert.equal(kvKeyOf("alice@example.com"), "alice=40example=2Ecom");
    for (const id of ["alice@example.com", "a.b:c+d", "ü😀", "=41", "x".repeat(128)]) {
      assert.match(kvKeyOf(id), /^[A-Za-z0-9_=-]+$/);
      assert.equal(idOfKvKey(kvKeyOf(id)), id);
    }
    assert.notEqual(kvKeyOf("=41"), kvKeyOf("A"));
    for (const bad of ["", "a.b", "=4", "=zz", "=41"]) assert.throws(() => idOfKvKey(bad));
  });
});

describe("records", () => {
  it("round-trip keys with their hash and drop derived fields", () => {
    const key = create(policy.KeySchema, { keyId: "key_1", keyAlias: "ci", spendNanos: 99n, limits: { rpmLimit: 5 } });
    const hash = new Uint8Array(32).fill(7);
    const back = decodeRecord("keys", encodeRecord("keys", { key, hash }));
    assert.equal(back.key.keyAlias, "ci");
    assert.equal(back.key.limits?.rpmLimit, 5);
    assert.equal(back.key.spendNanos, 0n);
    assert.deepEqual([...back.hash], [...hash]);
    const user = create(policy.UserSchema, { userId: "u", teamIds: ["t"], spendNanos: 3n });
    const storedUser = decodeRecord("users", encodeRecord("users", user));
    assert.deepEqual([storedUser.teamIds, storedUser.spendNanos], [[], 0n]);
  });

  it("refuse keys without an id or a hash", () => {
    const key = create(policy.KeySchema, { keyId: "" });
    assert.throws(() => decodeRecord("keys", encodeRecord("keys", { key, hash: new Uint8Array(32) })));
    assert.throws(() => decodeRecord("keys", new Uint8Array([0x0a, 0x00])));
  });
});
