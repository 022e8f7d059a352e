import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { applyKeyChanges, applyUserChanges, checkMembers } from "./changes.js";
import { addDuration, isDuration } from "./duration.js";
import { checkId, checkMetadata, checkModels, checkPage } from "./validate.js";

const NOW = Date.UTC(2025, 0, 31, 12);
const DAY = 86_400_000;

function changes(init: MessageInitShape<typeof policy.KeyChangesSchema>): policy.KeyChanges {
  return create(policy.KeyChangesSchema, init);
}

/** Asserts an INVALID_REQUEST whose param is `param` (or matches it). */
function invalid(fn: () => unknown, param: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
    const ok = typeof param === "string" ? err.detail.param === param : param.test(err.detail.param);
    assert.ok(ok, `param ${err.detail.param}: ${err.message}`);
    assert.ok(err.message.startsWith(err.detail.param), "the message names the field");
    return true;
  });
}

describe("durations", () => {
  it("accept 1-6 digit positive counts of s, m, h, d and mo only", () => {
    for (const ok of ["1s", "30m", "12h", "30d", "1mo", "999999d"]) assert.equal(isDuration(ok), true, ok);
    for (const bad of ["-1d", "0d", "01d", "1", "1w", "1.5d", "1000000d", " 1d", "1d ", "1D", "", "1mos"]) {
      assert.equal(isDuration(bad), false, bad);
    }
  });

  it("add calendar months clamped to the month's last day, and fixed units", () => {
    assert.equal(addDuration(NOW, "30d"), NOW + 30 * DAY);
    assert.equal(addDuration(NOW, "90s"), NOW + 90_000);
    assert.equal(new Date(addDuration(NOW, "1mo")).toISOString(), "2025-02-28T12:00:00.000Z");
    assert.equal(new Date(addDuration(NOW, "13mo")).toISOString(), "2026-02-28T12:00:00.000Z");
    assert.equal(new Date(addDuration(Date.UTC(2024, 0, 31), "1mo")).toISOString(), "2024-02-29T00:00:00.000Z");
    assert.throws(() => addDuration(NOW, "-1d"), /expected a duration/);
  });
});

describe("input checks", () => {
  it("accept safe ids and refuse everything else", () => {
    for (const ok of ["team-1", "alice@example.com", "a.b_c+d:e", "x".repeat(128)]) assert.equal(checkId(ok, "id"), ok);
    for (const bad of ["", "-x", ".x", "a b", "a/b", "' OR '1'='1", "a\u0000", "ü", "x".repeat(129)]) {
      invalid(() => checkId(bad, "team_id"), "team_id");
    }
  });

  it("refuse prototype-polluting metadata keys at any depth, and non-objects", () => {
    for (const bad of [
      '{"__proto__": {"admin": true}}',
      '{"a": {"b": [{"constructor": {"prototype": 1}}]}}',
      '{"x": [[[{"prototype": 1}]]]}',
      "[]",
      "null",
      '"text"',
      "{",
      `{"a": ${"[".repeat(100)}${"]".repeat(100)}}`,
      `{"a": "${"x".repeat(64 * 1024)}"}`,
    ]) {
      invalid(() => checkMetadata(bad, "metadata_json"), "metadata_json");
    }
    assert.equal(checkMetadata(' { "team" : "a", "n": [1, {"k": null}] } ', "m"), '{"team":"a","n":[1,{"k":null}]}');
    assert.equal(checkMetadata("", "m"), "");
    assert.equal(Object.hasOwn({}, "admin"), false);
  });

  it("bound model lists and drop duplicates", () => {
    assert.deepEqual(checkModels(["a", "b", "a"], "models"), ["a", "b"]);
    invalid(
      () =>
        checkModels(
          Array.from({ length: 257 }, (_, i) => `m${i}`),
          "models",
        ),
      "models",
    );
    invalid(() => checkModels(["ok", ""], "models"), "models[1]");
    invalid(() => checkModels(["x".repeat(257)], "models"), "models[0]");
  });

  it("bound pages", () => {
    assert.deepEqual(checkPage(0, 0), { size: 100, page: 1 });
    assert.deepEqual(checkPage(1_000, 3), { size: 1_000, page: 3 });
    invalid(() => checkPage(1_001, 1), "page_size");
  });

  it("check team members and default their role to user", () => {
    const members = checkMembers(
      [
        create(policy.TeamMemberSchema, { userId: "u1" }),
        { ...create(policy.TeamMemberSchema), userId: "u2", role: 2 },
      ],
      "members",
    );
    assert.deepEqual(
      members.map((m) => [m.userId, m.role]),
      [
        ["u1", policy.TeamRole.USER],
        ["u2", policy.TeamRole.ADMIN],
      ],
    );
    const dup = [create(policy.TeamMemberSchema, { userId: "u1" }), create(policy.TeamMemberSchema, { userId: "u1" })];
    invalid(() => checkMembers(dup, "members"), "members[1].user_id");
    const odd = { ...create(policy.TeamMemberSchema, { userId: "u" }), role: 9 as policy.TeamRole };
    invalid(() => checkMembers([odd], "members"), "members[0].role");
  });
});

describe("applyKeyChanges", () => {
  const base = create(policy.KeySchema, { keyId: "key_1", models: ["a"], createdAtMs: BigInt(NOW) });

  it("sets limits, budget window, expiry and fields, leaving unset ones alone", () => {
    const next = applyKeyChanges(
      base,
      changes({
        keyAlias: "ci",
        limits: { maxBudgetNanos: 10n, softBudgetNanos: 5n, budgetDuration: "30d", rpmLimit: 60 },
        duration: "1h",
        metadataJson: '{"env":"ci"}',
      }),
      "changes",
      NOW,
    );
    assert.equal(next.keyAlias, "ci");
    assert.deepEqual(next.models, ["a"]);
    assert.equal(next.limits?.maxBudgetNanos, 10n);
    assert.equal(next.limits?.tpmLimit, undefined);
    assert.equal(next.budgetResetAtMs, BigInt(NOW + 30 * DAY));
    assert.equal(next.expiresAtMs, BigInt(NOW + 3_600_000));
    assert.equal(next.updatedAtMs, BigInt(NOW));
    assert.equal(base.keyAlias, "", "the base is not modified");

    const later = applyKeyChanges(next, changes({ limits: { rpmLimit: 10 } }), "changes", NOW + DAY);
    assert.equal(later.budgetResetAtMs, next.budgetResetAtMs, "the window keeps running");
    assert.equal(later.limits?.maxBudgetNanos, 10n);
    const cleared = applyKeyChanges(later, changes({ clear: ["budget_duration", "expires", "rpm_limit"] }), "c", NOW);
    assert.deepEqual([cleared.budgetResetAtMs, cleared.expiresAtMs, cleared.limits?.rpmLimit], [0n, 0n, undefined]);
  });

  it("replaces models only with set_models, except when creating", () => {
    assert.deepEqual(applyKeyChanges(base, changes({ models: [], setModels: true }), "c", NOW).models, []);
    assert.deepEqual(applyKeyChanges(base, changes({ models: ["b"] }), "key", NOW, true).models, ["b"]);
    invalid(() => applyKeyChanges(base, changes({ models: ["b"] }), "changes", NOW), "changes.models");
  });

  it("refuses bad durations, soft budgets above the max, conflicting and unknown clears", () => {
    invalid(() => applyKeyChanges(base, changes({ limits: { budgetDuration: "-1d" } }), "c", NOW), /budget_duration/);
    invalid(() => applyKeyChanges(base, changes({ duration: "1 day" }), "c", NOW), "c.duration");
    invalid(
      () => applyKeyChanges(base, changes({ limits: { maxBudgetNanos: 5n, softBudgetNanos: 6n } }), "c", NOW),
      "c.limits.soft_budget_nanos",
    );
    invalid(() => applyKeyChanges(base, changes({ limits: { maxBudgetNanos: 1n << 63n } }), "c", NOW), /max_budget/);
    invalid(() => applyKeyChanges(base, changes({ keyAlias: "x", clear: ["key_alias"] }), "c", NOW), "c.clear");
    invalid(() => applyKeyChanges(base, changes({ clear: ["spend"] }), "c", NOW), "c.clear[0]");
    invalid(() => applyKeyChanges(base, changes({ teamId: "../etc" }), "c", NOW), "c.team_id");
    invalid(() => applyKeyChanges(base, changes({ metadataJson: '{"__proto__":1}' }), "c", NOW), "c.metadata_json");
  });

  it("sets user roles only to known values", () => {
    const user = create(policy.UserSchema, { userId: "u", userRole: policy.UserRole.INTERNAL_USER });
    const admin = create(policy.UserChangesSchema, { userRole: policy.UserRole.PROXY_ADMIN });
    assert.equal(applyUserChanges(user, admin, "c", NOW).userRole, policy.UserRole.PROXY_ADMIN);
    const bogus = create(policy.UserChangesSchema, { userRole: 42 as policy.UserRole });
    invalid(() => applyUserChanges(user, bogus, "c", NOW), "c.user_role");
  });
});
