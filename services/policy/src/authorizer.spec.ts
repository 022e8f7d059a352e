import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { createAuthorizer, DECISION_TTL_MS } from "./authorizer.js";
import { createKeyHasher, generateSecret } from "./credentials.js";
import { createModelAccess } from "./models.js";
import { createResolver } from "./principal.js";
import { createState } from "./state.js";
import { ask, deployment, HASH_SECRET } from "./testkit.js";

const { Decision } = policy;
type Init<T extends "Key" | "Team" | "User"> = MessageInitShape<(typeof policy)[`${T}Schema`]>;
const NOW = Date.UTC(2025, 5, 1);

/** An authorizer over an in-memory state, with helpers to add keys, teams and users. */
function setup() {
  const state = createState();
  const hasher = createKeyHasher(HASH_SECRET);
  let revision = 0;
  const models = createModelAccess([
    deployment("gpt-4o", ["fast"]),
    deployment("gpt-4o-mini", ["fast", "cheap"]),
    deployment("claude-3", ["smart"]),
    deployment("openai/*", ["wild"]),
  ]);
  const resolver = createResolver({ masterKey: "sk-master-secret", state, hasher, now: () => NOW });
  const authorizer = createAuthorizer({ resolver, models, now: () => NOW });
  return {
    state,
    authorizer,
    key(init: Init<"Key"> = {}): string {
      const secret = generateSecret();
      const key = create(policy.KeySchema, { keyId: `key_${revision + 1}`, ...init });
      state.apply("keys", key.keyId, ++revision, { key, hash: hasher.hash(secret) });
      return secret;
    },
    team(init: Init<"Team">) {
      state.apply("teams", init.teamId ?? "", ++revision, create(policy.TeamSchema, init));
    },
    user(init: Init<"User">) {
      state.apply("users", init.userId ?? "", ++revision, create(policy.UserSchema, init));
    },
  };
}

describe("authorize", () => {
  it("allows the master key as an admin with a cacheable decision", () => {
    const { authorizer } = setup();
    const res = authorizer.authorize(ask("sk-master-secret", "gpt-4o"));
    assert.equal(res.decision, Decision.ALLOW);
    assert.equal(res.isAdmin, true);
    assert.equal(res.cacheTtlMs, DECISION_TTL_MS);
    assert.match(res.keyId, /^master-[0-9a-f]{8}$/);
    assert.ok(!res.keyId.includes("secret"));
  });

  it("denies unknown, empty, prefixed, injected and oversized credentials", () => {
    const { authorizer, key } = setup();
    const secret = key();
    const hostile = ["sk-master-secreT", "", `Bearer ${secret}`, `${secret} `, "' OR '1'='1", "x".repeat(1 << 20)];
    for (const credential of hostile) {
      const res = authorizer.authorize(ask(credential, "gpt-4o"));
      assert.equal(res.decision, Decision.DENY_UNAUTHENTICATED, credential.slice(0, 40));
      assert.equal(res.keyId, "");
      assert.equal(res.reason, "invalid api key");
    }
  });

  it("allows a virtual key with its ids and no admin rights", () => {
    const { authorizer, key, team, user } = setup();
    team({ teamId: "t1" });
    user({ userId: "u1", userRole: policy.UserRole.INTERNAL_USER });
    const res = authorizer.authorize(ask(key({ keyId: "key_a", teamId: "t1", userId: "u1" }), "gpt-4o"));
    assert.equal(res.decision, Decision.ALLOW);
    assert.deepEqual([res.keyId, res.teamId, res.userId, res.isAdmin], ["key_a", "t1", "u1", false]);
    assert.equal(res.cacheTtlMs, DECISION_TTL_MS);
  });

  it("marks keys of proxy admins as admin", () => {
    const { authorizer, key, user } = setup();
    user({ userId: "boss", userRole: policy.UserRole.PROXY_ADMIN });
    user({ userId: "viewer", userRole: policy.UserRole.PROXY_ADMIN_VIEWER });
    assert.equal(authorizer.authorize(ask(key({ userId: "boss" }))).isAdmin, true);
    assert.equal(authorizer.authorize(ask(key({ userId: "viewer" }))).isAdmin, false);
  });

  it("denies blocked and expired keys, and caches no decision past the expiry", () => {
    const { authorizer, key } = setup();
    const blocked = authorizer.authorize(ask(key({ blocked: true })));
    assert.deepEqual([blocked.decision, blocked.reason], [Decision.DENY_UNAUTHENTICATED, "api key is blocked"]);
    const expired = authorizer.authorize(ask(key({ expiresAtMs: BigInt(NOW) })));
    assert.deepEqual([expired.decision, expired.reason], [Decision.DENY_UNAUTHENTICATED, "api key expired"]);
    const soon = authorizer.authorize(ask(key({ expiresAtMs: BigInt(NOW + 1_500) })));
    assert.equal(soon.decision, Decision.ALLOW);
    assert.equal(soon.cacheTtlMs, 1_500);
  });

  it("denies keys whose team or user is blocked or gone, with a reason", () => {
    const { authorizer, key, team, user, state } = setup();
    team({ teamId: "blocked-team", blocked: true });
    user({ userId: "blocked-user", blocked: true });
    const cases: [Init<"Key">, RegExp][] = [
      [{ teamId: "blocked-team" }, /team is blocked/],
      [{ userId: "blocked-user" }, /user is blocked/],
      [{ teamId: "no-such-team" }, /team no longer exists/],
      [{ userId: "no-such-user" }, /user no longer exists/],
    ];
    for (const [init, reason] of cases) {
      const res = authorizer.authorize(ask(key(init), "gpt-4o"));
      assert.equal(res.decision, Decision.DENY_UNAUTHENTICATED);
      assert.match(res.reason, reason);
    }
    team({ teamId: "t2" });
    const secret = key({ teamId: "t2" });
    assert.equal(authorizer.authorize(ask(secret)).decision, Decision.ALLOW);
    state.apply("teams", "t2", 1_000, undefined);
    assert.equal(authorizer.authorize(ask(secret)).decision, Decision.DENY_UNAUTHENTICATED);
  });

  it("forbids models outside the key's list, naming the model", () => {
    const { authorizer, key } = setup();
    const secret = key({ models: ["gpt-4o"] });
    assert.equal(authorizer.authorize(ask(secret, "gpt-4o")).decision, Decision.ALLOW);
    const res = authorizer.authorize(ask(secret, "claude-3"));
    assert.equal(res.decision, Decision.DENY_FORBIDDEN);
    assert.match(res.reason, /model "claude-3" is not allowed for this key/);
    assert.equal(res.keyId, "key_1");
    // A request naming no model (list models) passes the model check.
    assert.equal(authorizer.authorize(ask(secret, "")).decision, Decision.ALLOW);
  });

  it("takes the intersection of the key's, team's and user's non-empty lists", () => {
    const { authorizer, key, team, user } = setup();
    team({ teamId: "t", models: ["gpt-4o", "gpt-4o-mini", "claude-3"] });
    user({ userId: "u", models: ["gpt-4o", "claude-3"] });
    const secret = key({ teamId: "t", userId: "u", models: ["gpt-4o", "gpt-4o-mini"] });
    const decide = (model: string) => authorizer.authorize(ask(secret, model));
    assert.equal(decide("gpt-4o").decision, Decision.ALLOW);
    assert.match(decide("gpt-4o-mini").reason, /not allowed for the key's user/);
    assert.match(decide("claude-3").reason, /not allowed for this key/);
    const open = key({ teamId: "t" });
    assert.equal(authorizer.authorize(ask(open, "claude-3")).decision, Decision.ALLOW);
    assert.match(authorizer.authorize(ask(open, "gpt-5")).reason, /not allowed for the key's team/);
  });

  it("expands access groups and wildcard patterns", () => {
    const { authorizer, key } = setup();
    const cheap = key({ models: ["cheap"] });
    assert.equal(authorizer.authorize(ask(cheap, "gpt-4o-mini")).decision, Decision.ALLOW);
    assert.equal(authorizer.authorize(ask(cheap, "gpt-4o")).decision, Decision.DENY_FORBIDDEN);
    const fast = key({ models: ["fast"] });
    assert.equal(authorizer.authorize(ask(fast, "gpt-4o")).decision, Decision.ALLOW);
    assert.equal(authorizer.authorize(ask(fast, "claude-3")).decision, Decision.DENY_FORBIDDEN);
    const wild = key({ models: ["wild"] });
    assert.equal(authorizer.authorize(ask(wild, "openai/gpt-4.1")).decision, Decision.ALLOW);
    assert.equal(authorizer.authorize(ask(wild, "gpt-4o")).decision, Decision.DENY_FORBIDDEN);
    const pattern = key({ models: ["openai/*"] });
    assert.equal(authorizer.authorize(ask(pattern, "openai/o3")).decision, Decision.ALLOW);
    assert.equal(authorizer.authorize(ask(pattern, "anthropic/claude")).decision, Decision.DENY_FORBIDDEN);
    for (const entry of ["*", "all-proxy-models"]) {
      assert.equal(authorizer.authorize(ask(key({ models: [entry] }), "anything")).decision, Decision.ALLOW);
    }
  });

  it("quotes hostile model names safely and briefly", () => {
    const { authorizer, key } = setup();
    const secret = key({ models: ["gpt-4o"] });
    const res = authorizer.authorize(ask(secret, `x"\n\u0000${"y".repeat(10_000)}`));
    assert.equal(res.decision, Decision.DENY_FORBIDDEN);
    assert.ok(res.reason.length < 300);
    assert.ok(!res.reason.includes("\n"));
  });

  it("knows only the master key without a state", () => {
    const resolver = createResolver({ masterKey: "sk-master-secret" });
    const authorizer = createAuthorizer({ resolver, models: createModelAccess([]) });
    assert.equal(authorizer.authorize(ask("sk-master-secret")).decision, Decision.ALLOW);
    assert.equal(authorizer.authorize(ask(generateSecret())).decision, Decision.DENY_UNAUTHENTICATED);
  });
});
