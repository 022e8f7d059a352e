import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import {
  createKeyHasher,
  findKey,
  generateSecret,
  type KeyIndex,
  MAX_CREDENTIAL_LENGTH,
  maskSecret,
  newKeyId,
} from "./credentials.js";
import type { StoredKey } from "./records.js";
import { HASH_SECRET } from "./testkit.js";

describe("key secrets", () => {
  it("are sk- and 43 base64url characters (256 bits), all different", () => {
    const secrets = Array.from({ length: 2_000 }, generateSecret);
    for (const secret of secrets) assert.match(secret, /^sk-[A-Za-z0-9_-]{43}$/);
    assert.equal(new Set(secrets).size, secrets.length);
    assert.equal(Buffer.from(secrets[0]!.slice(3), "base64url").length, 32);
  });

  it("look random: no bit position is biased", () => {
    const bits = new Array<number>(256).fill(0);
    const n = 4_000;
    for (let i = 0; i < n; i++) {
      const bytes = Buffer.from(generateSecret().slice(3), "base64url");
      for (let b = 0; b < 256; b++) bits[b]! += (bytes[b >> 3]! >> (b & 7)) & 1;
    }
    // Each bit is set in about half the secrets: 5 standard deviations is 2000 +- 158.
    for (const count of bits) assert.ok(Math.abs(count - n / 2) < 160, `bit set ${count} of ${n} times`);
  });

  it("have public ids of key_ and 16 hex digits, and a masked name of the last four characters", () => {
    assert.match(newKeyId(), /^key_[0-9a-f]{16}$/);
    assert.notEqual(newKeyId(), newKeyId());
    assert.equal(maskSecret("sk-abcdefghijklmnopWXYZ"), "sk-...WXYZ");
  });

  it("hash with HMAC-SHA256 under the server secret, which must be long", () => {
    const hasher = createKeyHasher(HASH_SECRET);
    const other = createKeyHasher(`${HASH_SECRET}!`);
    assert.equal(hasher.hash("sk-x").length, 32);
    assert.deepEqual(hasher.hash("sk-x"), hasher.hash("sk-x"));
    assert.notDeepEqual(hasher.hash("sk-x"), other.hash("sk-x"));
    assert.throws(() => createKeyHasher("short"), /at least 32 characters/);
  });
});

describe("findKey", () => {
  const hasher = createKeyHasher(HASH_SECRET);
  const secret = generateSecret();
  const stored: StoredKey = { key: create(policy.KeySchema, { keyId: "key_1" }), hash: hasher.hash(secret) };
  const index = (byHash: Map<string, string>, keys: Map<string, StoredKey>): KeyIndex => ({
    keyIdByHash: (h) => byHash.get(h),
    key: (id) => keys.get(id),
  });

  it("finds a key by its secret and nothing by anything else", () => {
    const good = index(new Map([[Buffer.from(stored.hash).toString("base64"), "key_1"]]), new Map([["key_1", stored]]));
    assert.equal(findKey(good, hasher, secret), stored);
    for (const bad of ["", `${secret}x`, secret.slice(0, -1), "' OR '1'='1", "x".repeat(MAX_CREDENTIAL_LENGTH + 1)]) {
      assert.equal(findKey(good, hasher, bad), undefined);
    }
  });

  it("authenticates by the constant-time comparison, not by the index", () => {
    // An index entry pointing at the wrong key (a corrupt or colliding map) must not let a credential in: the key it
    // leads to is compared hash to hash with timingSafeEqual and refused.
    const intruder = generateSecret();
    const corrupt = index(new Map([[hasher.hash(intruder).toString("base64"), "key_1"]]), new Map([["key_1", stored]]));
    assert.equal(findKey(corrupt, hasher, intruder), undefined);
    // A stored hash of another length is refused before timingSafeEqual (which would throw).
    const short: StoredKey = { key: stored.key, hash: stored.hash.subarray(0, 16) };
    const truncated = index(new Map([[hasher.hash(secret).toString("base64"), "key_1"]]), new Map([["key_1", short]]));
    assert.equal(findKey(truncated, hasher, secret), undefined);
  });

  it("refuses oversized credentials before hashing them", () => {
    let hashed = 0;
    const counting = {
      hash: (c: string) => {
        hashed++;
        return hasher.hash(c);
      },
    };
    const idx = index(new Map(), new Map());
    findKey(idx, counting, "x".repeat(1 << 20));
    assert.equal(hashed, 0);
    findKey(idx, counting, "x".repeat(MAX_CREDENTIAL_LENGTH));
    assert.equal(hashed, 1);
  });
});
