import assert from "node:assert/strict";
import type { OutgoingHttpHeaders } from "node:http";
import { after, before, beforeEach, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { litellmParam } from "./admin.js";
import { type AdminKit, MASTER, startAdminKit, USER_KEY } from "./admin-testkit.js";

const KEY = create(policy.KeySchema, {
  keyId: "key_0123456789abcdef",
  keyName: "sk-...abcd",
  keyAlias: "ci",
  limits: { maxBudgetNanos: 12_500_000_000n },
  expiresAtMs: 1_700_000_000_000n,
});
const TEAM = create(policy.TeamSchema, { teamId: "t1", members: [{ userId: "u1", role: policy.TeamRole.ADMIN }] });
const USER = create(policy.UserSchema, { userId: "u1", userRole: policy.UserRole.INTERNAL_USER });

/** Answers every call with a plausible response, so routes render. */
function plausible(method: string): unknown {
  if (method === "generateKey" || method === "regenerateKey") return { key: KEY, secret: "sk-new-secret" };
  if (/^(updateKey|getKey|setKeyBlocked)$/.test(method)) return { key: KEY };
  if (method === "listKeys") return { keys: [KEY], totalCount: 1, currentPage: 1, totalPages: 1 };
  if (method === "deleteKeys") return { deletedKeyIds: [KEY.keyId] };
  if (/Team$|TeamMembers$/.test(method)) return { team: TEAM };
  if (method === "listTeams") return { teams: [TEAM] };
  if (method === "deleteTeams") return { deletedTeamIds: ["t1"] };
  if (method === "createUser") return { user: USER, key: KEY, keySecret: "sk-user-secret" };
  if (/User$/.test(method)) return { user: USER };
  if (method === "listUsers") return { users: [USER], totalCount: 30 };
  if (method === "deleteUsers") return { deletedUserIds: ["u1"] };
  if (/Customer$/.test(method)) return { customer: { userId: "c1" } };
  if (method === "deleteCustomers") return { deletedUserIds: ["c1", "c2"] };
  return {};
}

let kit: AdminKit;
before(async () => {
  kit = await startAdminKit(4096);
});
after(() => kit.close());
beforeEach(() => {
  kit.calls.length = 0;
  kit.script = plausible;
});

const post = (path: string, body: unknown, headers?: Record<string, string | string[]>) =>
  kit.send("POST", path, JSON.stringify(body), {
    authorization: `Bearer ${MASTER}`,
    "content-type": "application/json",
    ...headers,
  });
const only = () => {
  assert.equal(kit.calls.length, 1, JSON.stringify(kit.calls.map((c) => c.method)));
  return kit.calls[0]!;
};

describe("admin routes: LiteLLM JSON to policy calls and back", () => {
  it("generates a key, forwarding the caller's Authorization to the policy", async () => {
    const reply = await post("/key/generate", { key_alias: "ci", models: ["m"], max_budget: 12.5, aliases: {} });
    assert.equal(reply.status, 200);
    const call = only();
    assert.equal(call.method, "generateKey");
    assert.equal(call.authorization, `Bearer ${MASTER}`);
    const { key } = call.request as policy.GenerateKeyRequest;
    assert.equal(key?.keyAlias, "ci");
    assert.equal(key?.limits?.maxBudgetNanos, 12_500_000_000n);
    assert.equal(reply.json["key"], "sk-new-secret");
    assert.equal(reply.json["key_id"], KEY.keyId);
    assert.equal(reply.json["max_budget"], 12.5);
    assert.equal(reply.json["max_budget_nanos"], "12500000000");
    assert.equal(reply.json["expires"], "2023-11-14T22:13:20.000Z");
  });

  it("names keys by secret or by id", async () => {
    await post("/key/update", { key: "sk-abc", rpm_limit: null });
    const update = only().request as policy.UpdateKeyRequest;
    assert.equal(update.secret, "sk-abc");
    assert.equal(update.keyId, "");
    assert.deepEqual(update.changes?.clear, ["rpm_limit"]);
    kit.calls.length = 0;
    const deleted = await post("/key/delete", { keys: ["sk-a", "key_00000000000000bb"], key_aliases: ["old"] });
    const del = only().request as policy.DeleteKeysRequest;
    assert.deepEqual([del.secrets, del.keyIds, del.keyAliases], [["sk-a"], ["key_00000000000000bb"], ["old"]]);
    assert.deepEqual(deleted.json, { deleted_keys: [KEY.keyId] });
  });

  it("answers /key/info for a named key or for the caller's own key", async () => {
    const named = await kit.send("GET", "/key/info?key=sk-abc");
    assert.equal((only().request as policy.GetKeyRequest).secret, "sk-abc");
    assert.equal(named.json["key"], KEY.keyId);
    assert.equal((named.json["info"] as Record<string, unknown>)["key_alias"], "ci");
    kit.calls.length = 0;
    await kit.send("GET", "/key/info", undefined, { authorization: `Bearer ${USER_KEY}` });
    const own = only();
    assert.equal((own.request as policy.GetKeyRequest).keyId, "key_00000000000000aa");
    assert.equal(own.authorization, `Bearer ${USER_KEY}`);
  });

  it("lists keys as LiteLLM does: ids by default, objects on request, LiteLLM's page size", async () => {
    const ids = await kit.send("GET", "/key/list?team_id=t1");
    const request = only().request as policy.ListKeysRequest;
    assert.deepEqual([request.teamId, request.page, request.pageSize], ["t1", 1, 10]);
    assert.deepEqual(ids.json, { keys: [KEY.keyId], total_count: 1, current_page: 1, total_pages: 1 });
    const full = await kit.send("GET", "/key/list?page=2&size=50&return_full_object=true");
    assert.equal((full.json["keys"] as Record<string, unknown>[])[0]?.["key_alias"], "ci");
    assert.equal((await kit.send("GET", "/key/list?size=0")).status, 400);
    assert.equal((await kit.send("GET", "/key/list?size=1001")).status, 400);
  });

  it("regenerates by body or path key, refusing a mismatch", async () => {
    const byPath = await post("/key/sk-old/regenerate", { key_alias: "rotated" });
    const request = only().request as policy.RegenerateKeyRequest;
    assert.equal(request.secret, "sk-old");
    assert.equal(request.changes?.keyAlias, "rotated");
    assert.equal(byPath.json["key"], "sk-new-secret");
    kit.calls.length = 0;
    assert.equal((await post("/key/sk-old/regenerate", { key: "sk-other" })).status, 400);
    assert.equal((await post("/key/regenerate", {})).status, 400);
    assert.equal(kit.calls.length, 0);
  });

  it("blocks and unblocks", async () => {
    await post("/key/block", { key: "key_0123456789abcdef" });
    await post("/key/unblock", { key: "key_0123456789abcdef" });
    assert.deepEqual(
      kit.calls.map((c) => (c.request as policy.SetKeyBlockedRequest).blocked),
      [true, false],
    );
  });

  it("creates teams with members, and adds one member or several", async () => {
    const created = await post("/team/new", {
      team_alias: "ml",
      members_with_roles: [{ role: "admin", user_id: "u1" }],
      admins: [],
    });
    const request = only().request as policy.CreateTeamRequest;
    assert.equal(request.members[0]?.role, policy.TeamRole.ADMIN);
    assert.equal(request.team?.teamAlias, "ml");
    assert.deepEqual(created.json["members_with_roles"], [{ user_id: "u1", user_email: null, role: "admin" }]);
    kit.calls.length = 0;
    await post("/team/member_add", { team_id: "t1", member: { role: "user", user_id: "u2" } });
    await post("/team/member_add", { team_id: "t1", member: [{ role: "user", user_id: "u3" }] });
    assert.deepEqual(
      kit.calls.map((c) => (c.request as policy.AddTeamMembersRequest).members.map((m) => m.userId)),
      [["u2"], ["u3"]],
    );
    const update = await post("/team/update", { team_id: "t1", max_budget: null });
    assert.equal(update.json["team_id"], "t1");
    assert.equal((await post("/team/member_delete", { team_id: "t1", user_email: "a@b.c" })).status, 400);
  });

  it("answers /team/info and /user/info with their keys", async () => {
    const team = await kit.send("GET", "/team/info?team_id=t1");
    assert.deepEqual(
      kit.calls.map((c) => c.method),
      ["getTeam", "listKeys"],
    );
    assert.equal((team.json["keys"] as unknown[]).length, 1);
    kit.calls.length = 0;
    const user = await kit.send("GET", "/user/info", undefined, { authorization: `Bearer ${USER_KEY}` });
    assert.equal((kit.calls[0]!.request as policy.GetUserRequest).userId, "u1");
    assert.deepEqual(Object.keys(user.json), ["user_id", "user_info", "keys", "teams"]);
  });

  it("creates users with a key by default, as LiteLLM does", async () => {
    const reply = await post("/user/new", { user_email: "a@b.c", user_role: "proxy_admin", teams: ["t1"] });
    const request = only().request as policy.CreateUserRequest;
    assert.equal(request.autoCreateKey, true);
    assert.equal(request.user?.userRole, policy.UserRole.PROXY_ADMIN);
    assert.deepEqual(request.teamIds, ["t1"]);
    assert.equal(reply.json["key"], "sk-user-secret");
    assert.equal(reply.json["user_id"], "u1");
    const list = await kit.send("GET", "/user/list?page_size=10&role=internal_user");
    assert.deepEqual([list.json["total"], list.json["total_pages"], list.json["page_size"]], [30, 3, 10]);
  });

  it("serves customers under /customer and /end_user", async () => {
    await post("/end_user/new", { user_id: "c1", alias: "acme", max_budget: "5" });
    const request = only().request as policy.CreateCustomerRequest;
    assert.equal(request.customer?.limits?.maxBudgetNanos, 5_000_000_000n);
    const info = await kit.send("GET", "/customer/info?end_user_id=c1");
    assert.equal(info.json["user_id"], "c1");
    const deleted = await post("/customer/delete", { user_ids: ["c1", "c2"] });
    assert.equal(deleted.json["deleted_customers"], 2);
  });
});

describe("admin routes: refusals before any policy call", () => {
  const refuses = async (
    status: number,
    param: string | null,
    send: () => Promise<{ status: number; json: never }>,
  ) => {
    const reply = (await send()) as { status: number; json: { error: { param: string | null; type: string } } };
    assert.equal(reply.status, status, JSON.stringify(reply.json));
    assert.equal(typeof reply.json.error.type, "string");
    if (param !== null) assert.equal(reply.json.error.param, param);
    assert.equal(kit.calls.length, 0);
  };
  const sendPost = (path: string, body: unknown) => () => post(path, body) as never;

  it("refuses unknown and unsupported fields, naming them", async () => {
    await refuses(400, "max_budgett", sendPost("/key/generate", { max_budgett: 5 }));
    await refuses(400, "aliases", sendPost("/key/generate", { aliases: { a: "gpt-4o" } }));
    await refuses(400, "key", sendPost("/key/generate", { key: "sk-chosen-by-caller" }));
    await refuses(
      400,
      "members_with_roles[0].user_id",
      sendPost("/team/new", { members_with_roles: [{ role: "admin" }] }),
    );
    await refuses(400, "x", () => kit.send("GET", "/key/info?x=1") as never);
  });

  it("refuses bad money and durations of the wrong type", async () => {
    for (const max_budget of [-1, "-1", "NaN", "Infinity", 1e-10, "1e3", true]) {
      await refuses(400, "max_budget", sendPost("/key/generate", { max_budget }));
    }
    await refuses(400, "budget_duration", sendPost("/key/generate", { budget_duration: 30 }));
    // The policy checks a duration's form ("-1d"): the ingress passes it on unchanged.
    await post("/key/generate", { budget_duration: "-1d" });
    assert.equal((only().request as policy.GenerateKeyRequest).key?.limits?.budgetDuration, "-1d");
    kit.calls.length = 0;
  });

  it("refuses hostile bodies", async () => {
    await refuses(
      400,
      "metadata.__proto__",
      sendPost("/key/generate", JSON.parse('{"metadata": {"__proto__": {"a": 1}}}')),
    );
    await refuses(
      400,
      "__proto__",
      () => kit.send("POST", "/key/generate", '{"__proto__": {"isAdmin": true}}') as never,
    );
    await refuses(400, "body", sendPost("/key/generate", [1, 2]));
    await refuses(400, null, () => kit.send("POST", "/key/generate", "{not json") as never);
    await refuses(413, null, sendPost("/key/generate", { metadata: { pad: "x".repeat(5000) } }));
    await refuses(
      415,
      "content-type",
      () =>
        kit.send("POST", "/key/generate", "key_alias=x", {
          authorization: `Bearer ${MASTER}`,
          "content-type": "application/x-www-form-urlencoded",
        }) as never,
    );
    await refuses(400, "query", () => kit.send("POST", "/key/generate?key_alias=x", "{}") as never);
  });

  it("refuses bad credentials before reading the body", async () => {
    const as = (authorization: string | string[] | undefined) => () =>
      kit.send(
        "POST",
        "/key/generate",
        "{}",
        authorization === undefined ? {} : ({ authorization } as OutgoingHttpHeaders),
      ) as never;
    await refuses(401, null, as(undefined));
    await refuses(401, null, as("Bearer ' OR '1'='1"));
    await refuses(401, null, as(`Bearer ${"x".repeat(9000)}`));
    await refuses(400, "authorization", as([`Bearer ${MASTER}`, `Bearer ${USER_KEY}`]));
    // node:http itself refuses headers past 16 KiB: a 431, or a reset while the client is still sending.
    const huge = await kit
      .send("POST", "/key/generate", "{}", { authorization: `Bearer ${"x".repeat(1024 * 1024)}` })
      .then((reply) => reply.status)
      .catch((err: NodeJS.ErrnoException) => err.code);
    assert.ok(huge === 431 || huge === "ECONNRESET" || huge === "EPIPE", String(huge));
    assert.equal(kit.calls.length, 0);
  });

  it("refuses path tricks and ignores the Host header", async () => {
    for (const path of ["//key/info", "/%6bey/info", "/key/./info", "/x/../key/info", "/key/info/", "/key/info%00"]) {
      await refuses(400, "path", () => kit.send("GET", path) as never);
    }
    await refuses(400, "path", () => kit.send("GET", "http://admin.internal/key/info") as never);
    await refuses(404, null, () => kit.send("GET", "/v1/key/info") as never);
    await refuses(404, null, () => kit.send("GET", "/key/info.json") as never);
    await refuses(405, null, () => kit.send("GET", "/key/generate") as never);
    for (const host of ["localhost", "admin", "127.0.0.1", "admin.internal:443"]) {
      const reply = await kit.send("GET", "/key/info?key=sk-abc", undefined, { authorization: "Bearer nope", host });
      assert.equal(reply.status, 401, host);
    }
    assert.equal(kit.calls.length, 0);
  });
});

describe("admin routes: policy errors", () => {
  const failWith = (cls: llm.ErrorClass, message: string, param = "") => {
    kit.script = () => {
      throw new GatewayError({ class: cls, message, param });
    };
  };

  it("keeps the policy's error class as the HTTP status, in OpenAI's error shape", async () => {
    const cases: [llm.ErrorClass, number][] = [
      [llm.ErrorClass.INVALID_REQUEST, 400],
      [llm.ErrorClass.AUTH, 401],
      [llm.ErrorClass.PERMISSION_DENIED, 403],
      [llm.ErrorClass.NOT_FOUND, 404],
      [llm.ErrorClass.UNAVAILABLE, 503],
    ];
    for (const [cls, status] of cases) {
      failWith(cls, "nope");
      const reply = await kit.send("GET", "/key/info?key=sk-abc");
      assert.equal(reply.status, status);
      assert.deepEqual(Object.keys(reply.json.error ?? {}), ["message", "type", "param", "code"]);
    }
  });

  it("names the policy's field as the LiteLLM field the caller sent", async () => {
    failWith(
      llm.ErrorClass.INVALID_REQUEST,
      "key.limits.budget_duration: expected a duration",
      "key.limits.budget_duration",
    );
    const reply = await post("/key/generate", { budget_duration: "-1d" });
    assert.equal(reply.status, 400);
    assert.equal(reply.json.error?.param, "budget_duration");
    assert.equal(reply.json.error?.message, "budget_duration: expected a duration");
  });

  it("maps policy field paths to LiteLLM names", () => {
    const cases: [string, string][] = [
      ["key.limits.max_budget_nanos", "max_budget"],
      ["changes.limits.soft_budget_nanos", "soft_budget"],
      ["changes.metadata_json", "metadata"],
      ["team.team_alias", "team_alias"],
      ["members[0].user_id", "members_with_roles[0].user_id"],
      ["secrets[2]", "keys"],
      ["key_ids[0]", "keys"],
      ["secret", "key"],
      ["team_ids[1]", "team_ids[1]"],
      ["user_id", "user_id"],
    ];
    for (const [from, to] of cases) assert.equal(litellmParam(from), to, from);
  });
});
