// The LiteLLM-compatible admin API end to end: real NATS, ClickHouse and every service as its own process. The
// master key sets up teams, users and keys; the keys then meet the chat API, blocking, team-admin boundaries and
// hostile input; at the end no key secret may appear in any service log or ClickHouse table.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AdminClient,
  type AdminGateway,
  clientFor,
  MODEL_A,
  MODEL_B,
  ok,
  type Reply,
  send,
  startAdminGateway,
  tablesContaining,
  waitForDump,
  within,
} from "./admin-setup.js";
import { MASTER_KEY } from "./setup.js";

let gw: AdminGateway;
let master: AdminClient;
/** Every secret the gateway handed out, to look for in the logs at the end. */
const secrets: string[] = [];

before(async () => {
  gw = await startAdminGateway();
  master = clientFor(gw.mesh.restUrl, MASTER_KEY);
});
after(() => gw?.stop());

/** Asserts an OpenAI-shaped error with this status (and param, when given). */
function refused(reply: Reply, status: number, param?: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.json));
  const error = reply.json.error;
  assert.ok(error, `expected an error body, got ${JSON.stringify(reply.json)}`);
  assert.deepEqual(Object.keys(error), ["message", "type", "param", "code"]);
  if (param !== undefined) assert.equal(error.param, param, error.message);
}

/** Generates a key as `client`; returns its secret (remembered) and id. */
async function generate(client: AdminClient, body: Record<string, unknown>): Promise<{ secret: string; id: string }> {
  const json = ok(await client.post("/key/generate", body), "generate");
  const secret = json["key"] as string;
  assert.match(secret, /^sk-[A-Za-z0-9_-]{43}$/);
  secrets.push(secret);
  return { secret, id: json["key_id"] as string };
}

const keys = {} as Record<"app" | "alice" | "other", { secret: string; id: string }>;

describe("admin API through the mesh", () => {
  it("lets the master key create teams, users and keys", async () => {
    const team = ok(
      await master.post("/team/new", {
        team_id: "team-a",
        team_alias: "A",
        models: [MODEL_A, MODEL_B],
        max_budget: 50,
      }),
      "team-a",
    );
    assert.equal(team["max_budget_nanos"], "50000000000");
    ok(await master.post("/team/new", { team_id: "team-b", team_alias: "B" }), "team-b");
    ok(
      await master.post("/user/new", { user_id: "alice", user_email: "alice@example.com", auto_create_key: false }),
      "alice",
    );
    ok(
      await master.post("/team/member_add", { team_id: "team-a", member: { role: "admin", user_id: "alice" } }),
      "admin",
    );
    const bob = ok(await master.post("/user/new", { user_id: "bob", teams: ["team-a"] }), "bob");
    assert.match(bob["key"] as string, /^sk-/, "/user/new creates a key by default, as LiteLLM");
    secrets.push(bob["key"] as string);

    keys.alice = await generate(master, { user_id: "alice", team_id: "team-a", key_alias: "alice-admin" });
    keys.app = await generate(master, {
      team_id: "team-a",
      user_id: "bob",
      key_alias: "app",
      models: [MODEL_A],
      max_budget: 12.5,
      budget_duration: "30d",
      rpm_limit: 100,
      metadata: { owner: "e2e" },
    });
    keys.other = await generate(master, { team_id: "team-b", key_alias: "other" });

    const info = ok(await master.get(`/key/info?key=${keys.app.id}`), "info");
    const details = info["info"] as Record<string, unknown>;
    assert.deepEqual(
      [details["key_alias"], details["models"], details["max_budget"], details["max_budget_nanos"], details["team_id"]],
      ["app", [MODEL_A], 12.5, "12500000000", "team-a"],
    );
    assert.deepEqual(details["metadata"], { owner: "e2e" });
    const listed = ok(await master.get("/key/list?team_id=team-a"), "list");
    assert.equal(listed["total_count"], 2, "alice's and the app's keys (bob's own key has no team)");
  });

  it("lets a new key call its models only", async () => {
    const app = clientFor(gw.mesh.restUrl, keys.app.secret);
    const answer = ok(await app.chat(MODEL_A), "chat");
    assert.equal(answer["object"], "chat.completion");
    const denied = await app.chat(MODEL_B);
    refused(denied, 403);
    assert.equal(denied.json.error?.type, "permission_error");
    // Unlike LiteLLM, the policy lets only admin callers read key info, a key's own included.
    refused(await app.get("/key/info"), 403);
    const own = ok(await clientFor(gw.mesh.restUrl, keys.alice.secret).get("/key/info"), "a team admin's own key");
    assert.equal(own["key"], keys.alice.id);
  });

  it("blocks a key within a second, and unblocks it", async () => {
    const app = clientFor(gw.mesh.restUrl, keys.app.secret);
    ok(await app.chat(MODEL_A), "warm the ingress's cache");
    ok(await master.post("/key/block", { key: keys.app.id }), "block");
    const blockedAfter = await within(1_000, async () => (await app.chat(MODEL_A)).status === 401);
    assert.ok(blockedAfter <= 1_000, `blocked after ${blockedAfter} ms`);
    refused(await app.chat(MODEL_A), 401);
    const info = ok(await master.get(`/key/info?key=${keys.app.id}`), "info");
    assert.equal((info["info"] as Record<string, unknown>)["blocked"], true);
    ok(await master.post("/key/unblock", { key: keys.app.secret }), "unblock by secret");
    await within(1_000, async () => (await app.chat(MODEL_A)).status === 200);
  });

  it("lets a team admin manage its own team's keys only, and never raise its own role", async () => {
    const alice = clientFor(gw.mesh.restUrl, keys.alice.secret);
    const mine = await generate(alice, { team_id: "team-a", user_id: "bob", key_alias: "by-alice", models: [MODEL_A] });
    ok(await alice.post("/key/update", { key: mine.id, key_alias: "by-alice-2" }), "update own team's key");
    ok(await alice.post("/key/block", { key: mine.id }), "block own team's key");
    ok(await alice.post("/key/unblock", { key: mine.id }), "unblock own team's key");
    ok(await alice.get(`/key/info?key=${keys.app.id}`), "read own team's key");

    refused(await alice.get(`/key/info?key=${keys.other.id}`), 403);
    refused(await alice.post("/key/update", { key: keys.other.id, key_alias: "mine-now" }), 403);
    refused(await alice.post("/key/block", { key: keys.other.id }), 403);
    refused(await alice.post("/key/delete", { keys: [keys.other.id] }), 403);
    refused(await alice.post("/key/generate", { team_id: "team-b" }), 403);
    refused(await alice.post("/user/update", { user_id: "alice", user_role: "proxy_admin" }), 403);
    refused(await alice.post("/user/new", { user_id: "mallory", user_role: "proxy_admin" }), 403);
    refused(
      await alice.post("/team/member_add", { team_id: "team-b", member: { role: "admin", user_id: "alice" } }),
      403,
    );

    const listed = ok(await alice.get("/key/list?return_full_object=true"), "list");
    const teams = new Set((listed["keys"] as Array<Record<string, unknown>>).map((k) => k["team_id"]));
    assert.deepEqual([...teams], ["team-a"]);
    const user = ok(await master.get("/user/info?user_id=alice"), "alice");
    assert.equal((user["user_info"] as Record<string, unknown>)["user_role"], "internal_user");
    // Team B's key still works: nothing alice tried reached it.
    ok(await clientFor(gw.mesh.restUrl, keys.other.secret).chat(MODEL_A), "team B's key");
  });

  it("refuses hostile input and changes nothing", async () => {
    const before = ok(await master.get("/key/list"), "list")["total_count"];
    const rest = gw.mesh.restUrl;
    const injected = { authorization: "Bearer ' OR '1'='1" };
    refused(await send(rest, "GET", "/key/list", undefined, injected), 401);
    refused(await send(rest, "POST", "/key/generate", "{}", { ...injected, "content-type": "application/json" }), 401);
    refused(await send(rest, "POST", "/v1/chat/completions", "{}", injected), 401);

    const huge = await send(rest, "GET", "/key/list", undefined, { authorization: `Bearer ${"x".repeat(1 << 20)}` })
      .then((r) => r.status)
      .catch((err: NodeJS.ErrnoException) => err.code);
    assert.ok(huge === 431 || huge === "ECONNRESET" || huge === "EPIPE", `1 MB token: ${huge}`);
    const two = { authorization: [`Bearer ${MASTER_KEY}`, `Bearer ${keys.other.secret}`] };
    refused(await send(rest, "POST", "/key/generate", "{}", two as never), 400, "authorization");

    for (const max_budget of [-1, "-5", "NaN", "Infinity", 0.0000000001]) {
      refused(await master.post("/key/generate", { max_budget }), 400, "max_budget");
    }
    refused(
      await send(rest, "POST", "/key/generate", '{"max_budget": NaN}', { authorization: `Bearer ${MASTER_KEY}` }),
      400,
    );
    refused(await master.post("/key/generate", { budget_duration: "-1d" }), 400, "budget_duration");
    refused(await master.post("/team/new", { team_id: "team-c", budget_duration: "0d" }), 400, "budget_duration");
    const polluted = '{"key_alias": "p", "metadata": {"__proto__": {"isAdmin": true}}}';
    const asMaster = { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" };
    refused(await send(rest, "POST", "/key/generate", polluted, asMaster), 400, "metadata.__proto__");
    refused(
      await send(rest, "POST", "/key/generate", '{"constructor": {"prototype": {}}}', asMaster),
      400,
      "constructor",
    );
    refused(await master.post("/key/generate", { allowed_routes: ["/key/generate"] }), 400, "allowed_routes");

    for (const path of ["//key/info", "/%6bey/info", "/key/./info", "/x/../key/list", "/key/list/", "/key/list%00"]) {
      refused(await send(rest, "GET", path, undefined, { authorization: `Bearer ${MASTER_KEY}` }), 400, "path");
    }
    refused(await send(rest, "GET", "http://admin.internal/key/list", undefined, asMaster), 400, "path");
    for (const host of ["localhost", "127.0.0.1", "admin", "admin.internal", "policy:8083"]) {
      refused(await send(rest, "GET", "/key/list", undefined, { host }), 401);
      refused(await send(rest, "GET", "/key/list", undefined, { host, ...injected }), 401);
      refused(
        await send(rest, "GET", "/key/list", undefined, { host, authorization: `Bearer ${keys.app.secret}` }),
        403,
      );
    }
    assert.equal(ok(await master.get("/key/list"), "list")["total_count"], before, "no key was created");
    const team = await master.get("/team/info?team_id=team-c");
    refused(team, 404);
  });

  it("regenerates a key: the old secret stops at once, the id stays", async () => {
    const fresh = ok(await master.post(`/key/${keys.other.id}/regenerate`, {}), "regenerate");
    secrets.push(fresh["key"] as string);
    assert.equal(fresh["key_id"], keys.other.id);
    await within(1_000, async () => (await clientFor(gw.mesh.restUrl, keys.other.secret).chat(MODEL_A)).status === 401);
    ok(await clientFor(gw.mesh.restUrl, fresh["key"] as string).chat(MODEL_A), "new secret");
    ok(await master.post("/key/delete", { keys: [keys.other.id] }), "delete");
    refused(await master.get(`/key/info?key=${keys.other.id}`), 404);
  });

  it("keeps keys across a policy restart: the mesh keeps its key-hash secret", async () => {
    await gw.mesh.restart("policy");
    const app = clientFor(gw.mesh.restUrl, keys.app.secret);
    // The ingress drops its cached decisions when its watch on the old policy ends, then asks the new one.
    await within(10_000, async () => (await app.chat(MODEL_A)).status === 200);
    const info = ok(await master.get(`/key/info?key=${keys.app.secret}`), "info by secret after restart");
    assert.equal(info["key"], keys.app.id);
  });

  it("writes no key secret to any service log or ClickHouse table", async () => {
    assert.ok(secrets.length >= 5);
    assert.ok(gw.lines.length > 0, "the services logged something");
    // The part after "sk-" too: a log or a row could strip or mask the prefix.
    const canaries = [MASTER_KEY, ...secrets].flatMap((secret) => [secret, secret.slice(3)]);
    const logs = [gw.lines.join("\n"), ...gw.mesh.processes.map((p) => p.logs())];
    for (const text of logs) {
      assert.deepEqual(
        canaries.flatMap((canary, i) => (text.includes(canary) ? [i] : [])),
        [],
        "a key secret appears in a service log",
      );
    }
    // Wait for the app key's usage rows, so the scan reads what the chats above wrote.
    const dump = await waitForDump(gw, keys.app.id);
    assert.deepEqual(tablesContaining(dump, canaries), [], "a key secret appears in a ClickHouse table");
  });
});
