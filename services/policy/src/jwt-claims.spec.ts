import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JwtAuthSettings } from "@switchyard/config";
import { claimAt, identityOf } from "./jwt-claims.js";

const SETTINGS: JwtAuthSettings = {
  jwksUrl: "https://idp.example.test/jwks",
  issuer: "https://idp.example.test",
  audience: ["switchyard"],
  algorithms: ["RS256"],
  clockSkewSeconds: 30,
  userIdField: "preferred_username",
  userEmailField: "email",
  teamIdField: "team",
  teamIdsField: "groups",
  rolesField: "https://example.test/roles",
  adminRoles: [],
};

describe("JWT claims", () => {
  it("reads namespaced claims whole and dotted paths into nested objects", () => {
    const payload = { "https://example.test/roles": ["a"], realm_access: { roles: ["b"] }, list: [{ x: 1 }] };
    assert.deepEqual(claimAt(payload, "https://example.test/roles"), ["a"]);
    assert.deepEqual(claimAt(payload, "realm_access.roles"), ["b"]);
    assert.equal(claimAt(payload, "realm_access.missing"), undefined);
    assert.equal(claimAt(payload, "list.0.x"), undefined);
    assert.equal(claimAt(payload, "constructor"), undefined);
  });

  it("maps user, teams and roles; the key id depends on iss and sub only", () => {
    const base = { iss: SETTINGS.issuer, sub: "u-1", exp: 2_000_000_000, email: "a@example.test" };
    const identity = identityOf(
      { ...base, preferred_username: "alice", team: "t1", groups: ["t2", "t1", 7], "https://example.test/roles": "r" },
      SETTINGS,
    );
    assert.deepEqual(identity && { ...identity, keyId: undefined }, {
      keyId: undefined,
      userId: "alice",
      teamIds: ["t1", "t2"],
      roles: ["r"],
      models: [],
      expiresAtMs: 2_000_000_000_000,
    });
    assert.match(identity?.keyId ?? "", /^jwt:[0-9a-f]{16}$/);
    assert.equal(identityOf({ ...base, preferred_username: "bob" }, SETTINGS)?.keyId, identity?.keyId);
    assert.notEqual(identityOf({ ...base, sub: "u-2" }, SETTINGS)?.keyId, identity?.keyId);
  });

  it("falls back to the e-mail claim and refuses a token without a usable user id", () => {
    assert.equal(identityOf({ sub: "s", exp: 1, email: "a@example.test" }, SETTINGS)?.userId, "a@example.test");
    assert.equal(identityOf({ sub: "s", exp: 1 }, SETTINGS), undefined);
    assert.equal(identityOf({ sub: "s", exp: 1, preferred_username: "x".repeat(257) }, SETTINGS), undefined);
  });
});
