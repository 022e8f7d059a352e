import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { readCustomerChanges } from "./admin-customers.js";
import { fieldReader, readLimits } from "./admin-fields.js";
import { readKeyChanges } from "./admin-keys.js";
import { renderCustomer, renderKey, renderNewKey, renderTeam, renderUser } from "./admin-render.js";
import { readMember, readTeamChanges } from "./admin-teams.js";
import { readUserChanges } from "./admin-users.js";

const reader = (json: Record<string, unknown>) => fieldReader(Object.assign(Object.create(null), json));
const paramOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as GatewayError).detail.param;
  }
  return "(no error)";
};

describe("FieldReader", () => {
  it("tells absent from null and checks types, naming the field", () => {
    const r = reader({ a: "x", n: null, list: ["p", "q"], flag: "true", count: "12" });
    assert.equal(r.text("a"), "x");
    assert.equal(r.text("n"), null);
    assert.equal(r.text("missing"), undefined);
    assert.deepEqual(r.texts("list"), ["p", "q"]);
    assert.equal(r.flag("flag"), true);
    assert.equal(r.count("count", 100n), 12n);
    r.done();
    assert.equal(
      paramOf(() => reader({ a: 1 }).text("a")),
      "a",
    );
    assert.equal(
      paramOf(() => reader({ a: ["x", 1] }).texts("a")),
      "a",
    );
    assert.equal(
      paramOf(() => reader({ a: "yes" }).flag("a")),
      "a",
    );
    assert.equal(
      paramOf(() => reader({ a: -1 }).count("a", 10n)),
      "a",
    );
    assert.equal(
      paramOf(() => reader({ a: 1.5 }).count("a", 10n)),
      "a",
    );
    assert.equal(
      paramOf(() => reader({ a: 11 }).count("a", 10n)),
      "a",
    );
    assert.equal(
      paramOf(() => reader({ a: [] }).object("a")),
      "a",
    );
  });

  it("refuses the first unread field, but not send_invite_email", () => {
    const r = reader({ key_alias: "x", max_budgett: 5, send_invite_email: true });
    r.text("key_alias");
    assert.throws(() => r.done(), /max_budgett: unknown field/);
    reader({ send_invite_email: true }).done();
  });

  it("accepts ignored LiteLLM fields only with their default value", () => {
    const r = reader({ aliases: {}, spend: 0, tags: [], guardrails: null, key_type: "default" });
    r.ignoreDefaults(["aliases", "spend", "tags", "guardrails", "key_type"]);
    r.done();
    for (const [name, value] of [
      ["aliases", { a: "b" }],
      ["spend", 5],
      ["tags", ["x"]],
      ["key_type", "llm_api"],
    ] as const) {
      assert.equal(
        paramOf(() => reader({ [name]: value }).ignoreDefaults([name])),
        name,
      );
    }
  });

  it("reads money from dollars or exact nanos, not both", () => {
    assert.equal(reader({ max_budget: 1.25 }).money("max_budget"), 1_250_000_000n);
    assert.equal(reader({ max_budget_nanos: "7" }).money("max_budget"), 7n);
    assert.equal(reader({ max_budget: null }).money("max_budget"), null);
    assert.equal(
      paramOf(() => reader({ max_budget: 1, max_budget_nanos: "1" }).money("max_budget")),
      "max_budget",
    );
    assert.equal(
      paramOf(() => reader({ max_budget: -5 }).money("max_budget")),
      "max_budget",
    );
    assert.equal(
      paramOf(() => reader({ max_budget: "NaN" }).money("max_budget")),
      "max_budget",
    );
  });
});

describe("readLimits", () => {
  it("maps LiteLLM's limit fields to Limits", () => {
    const { limits, clear } = readLimits(
      reader({
        max_budget: 100,
        soft_budget: "80.5",
        budget_duration: "30d",
        rpm_limit: 60,
        tpm_limit: "100000",
        max_parallel_requests: 4,
      }),
      false,
    );
    assert.equal(limits.maxBudgetNanos, 100_000_000_000n);
    assert.equal(limits.softBudgetNanos, 80_500_000_000n);
    assert.equal(limits.budgetDuration, "30d");
    assert.equal(limits.rpmLimit, 60);
    assert.equal(limits.tpmLimit, 100_000n);
    assert.equal(limits.maxParallelRequests, 4);
    assert.deepEqual(clear, []);
  });

  it("clears limits given as null on updates only", () => {
    const json = { max_budget: null, rpm_limit: null, budget_duration: null, tpm_limit: 5 };
    assert.deepEqual(readLimits(reader(json), true).clear, ["rpm_limit", "max_budget", "budget_duration"]);
    const created = readLimits(reader(json), false);
    assert.deepEqual(created.clear, []);
    assert.equal(created.limits.maxBudgetNanos, undefined);
  });

  it("bounds counts to their proto types", () => {
    assert.equal(
      paramOf(() => readLimits(reader({ rpm_limit: 2 ** 32 }), false)),
      "rpm_limit",
    );
    assert.equal(
      paramOf(() => readLimits(reader({ max_parallel_requests: 2 ** 32 }), false)),
      "max_parallel_requests",
    );
    assert.equal(
      paramOf(() => readLimits(reader({ tpm_limit: "9223372036854775808" }), false)),
      "tpm_limit",
    );
  });
});

describe("key fields", () => {
  it("maps /key/generate's body to KeyChanges", () => {
    const c = readKeyChanges(
      reader({
        key_alias: "ci",
        models: ["gpt-4o", "openai/*"],
        max_budget: 10,
        duration: "7d",
        team_id: "t1",
        user_id: "u1",
        metadata: { owner: "ci", tags: ["a"] },
        blocked: false,
        aliases: {},
        config: {},
      }),
      false,
    );
    assert.equal(c.keyAlias, "ci");
    assert.deepEqual(c.models, ["gpt-4o", "openai/*"]);
    assert.equal(c.setModels, true);
    assert.equal(c.limits?.maxBudgetNanos, 10_000_000_000n);
    assert.equal(c.duration, "7d");
    assert.equal(c.teamId, "t1");
    assert.equal(c.userId, "u1");
    assert.equal(c.metadataJson, '{"owner":"ci","tags":["a"]}');
    assert.equal(c.blocked, false);
    assert.deepEqual(c.clear, []);
  });

  it("on update, leaves absent fields alone and clears null ones", () => {
    const c = readKeyChanges(reader({ key_alias: null, duration: null, team_id: "", max_budget: null }), true);
    assert.deepEqual(c.clear.sort(), ["expires", "key_alias", "max_budget", "team_id"]);
    assert.equal(c.setModels, false);
    assert.equal(c.keyAlias, undefined);
    assert.equal(c.metadataJson, undefined);
    assert.equal(c.blocked, undefined);
    assert.equal(readKeyChanges(reader({ metadata: null }), true).metadataJson, "");
    assert.equal(readKeyChanges(reader({ models: [] }), true).setModels, true);
  });

  it("renders a key as LiteLLM's key info, money as dollars and exact nanos", () => {
    const key = create(policy.KeySchema, {
      keyId: "key_0123456789abcdef",
      keyAlias: "ci",
      keyName: "sk-...wXyZ",
      models: ["gpt-4o"],
      limits: { maxBudgetNanos: 12_500_000_000n, budgetDuration: "30d", tpmLimit: 1000n },
      budgetResetAtMs: 1_700_000_000_000n,
      expiresAtMs: 0n,
      teamId: "t1",
      metadataJson: '{"a":1}',
      createdAtMs: 1_600_000_000_000n,
      createdBy: "master",
    });
    const info = renderKey(key);
    assert.equal(info["key_id"], "key_0123456789abcdef");
    assert.equal(info["token"], "key_0123456789abcdef");
    assert.equal(info["max_budget"], 12.5);
    assert.equal(info["max_budget_nanos"], "12500000000");
    assert.equal(info["soft_budget"], null);
    assert.equal(info["tpm_limit"], 1000);
    assert.equal(info["rpm_limit"], null);
    assert.equal(info["budget_reset_at"], "2023-11-14T22:13:20.000Z");
    assert.equal(info["expires"], null);
    assert.equal(info["user_id"], null);
    assert.deepEqual(info["metadata"], { a: 1 });
    assert.equal(info["spend"], 0);
    assert.equal(info["spend_nanos"], "0");
    const created = renderNewKey(key, "sk-secret");
    assert.equal(created["key"], "sk-secret");
    assert.equal(created["token_id"], "key_0123456789abcdef");
    assert.equal("token" in created, false);
  });
});

describe("team, user and customer fields", () => {
  it("maps team fields and members both ways", () => {
    const c = readTeamChanges(
      reader({ team_alias: "ml", models: ["m"], tpm_limit: 5, admins: [], members: [] }),
      false,
    );
    assert.equal(c.teamAlias, "ml");
    assert.equal(c.limits?.tpmLimit, 5n);
    const member = readMember({ user_id: "u1", role: "admin", user_email: "a@b.c" }, "member");
    assert.equal(member.role, policy.TeamRole.ADMIN);
    assert.equal(
      paramOf(() => readMember({ user_email: "a@b.c", role: "user" }, "member")),
      "member.user_id",
    );
    assert.equal(
      paramOf(() => readMember({ user_id: "u1", role: "owner" }, "m[0]")),
      "m[0].role",
    );
    assert.equal(
      paramOf(() => readMember({ user_id: "u1", role: "user", budget: 1 }, "m[0]")),
      "m[0].budget",
    );
    const team = renderTeam(create(policy.TeamSchema, { teamId: "t1", members: [member], limits: {} }));
    assert.deepEqual(team["members_with_roles"], [{ user_id: "u1", user_email: "a@b.c", role: "admin" }]);
    assert.equal(team["team_alias"], null);
  });

  it("maps user roles both ways and refuses unknown ones", () => {
    const c = readUserChanges(reader({ user_role: "proxy_admin_viewer", user_email: "v@x.io" }), false);
    assert.equal(c.userRole, policy.UserRole.PROXY_ADMIN_VIEWER);
    assert.equal(readUserChanges(reader({}), true).userRole, undefined);
    for (const role of ["org_admin", "internal_user_viewer", "PROXY_ADMIN", "admin"]) {
      assert.equal(
        paramOf(() => readUserChanges(reader({ user_role: role }), false)),
        "user_role",
        role,
      );
    }
    const user = renderUser(
      create(policy.UserSchema, { userId: "u", userRole: policy.UserRole.PROXY_ADMIN, teamIds: ["t1"] }),
    );
    assert.equal(user["user_role"], "proxy_admin");
    assert.deepEqual(user["teams"], ["t1"]);
  });

  it("maps customers, with limits under litellm_budget_table", () => {
    const c = readCustomerChanges(reader({ alias: "acme", max_budget: 2, blocked: true, budget_id: null }), false);
    assert.equal(c.alias, "acme");
    assert.equal(c.blocked, true);
    assert.equal(c.limits?.maxBudgetNanos, 2_000_000_000n);
    const out = renderCustomer(create(policy.CustomerSchema, { userId: "c1", limits: { maxBudgetNanos: 1n } }));
    assert.equal(out["user_id"], "c1");
    assert.equal(out["spend_nanos"], "0");
    assert.deepEqual((out["litellm_budget_table"] as Record<string, unknown>)["max_budget_nanos"], "1");
    assert.equal(
      paramOf(() => readCustomerChanges(reader({ allowed_model_region: "eu" }), false)),
      "allowed_model_region",
    );
  });
});
