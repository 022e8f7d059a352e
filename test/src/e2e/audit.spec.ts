// The admin audit log end to end: real NATS, ClickHouse and every service as its own process. Keys and teams are
// generated, updated, blocked, regenerated and deleted through LiteLLM's REST admin API; the changes are then read
// back from GET /audit with the right actor, action, before and after; a team admin may not read it; and no key
// secret (nor its masked form) ever reaches the audit table.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AdminClient,
  type AdminGateway,
  clientFor,
  MODEL_A,
  ok,
  send,
  startAdminGateway,
  within,
} from "./admin-setup.js";
import { MASTER_KEY } from "./setup.js";

let gw: AdminGateway;
let master: AdminClient;
/** Every secret and masked secret the gateway handed out. */
const secrets: string[] = [];

before(async () => {
  gw = await startAdminGateway();
  master = clientFor(gw.mesh.restUrl, MASTER_KEY);
});
after(() => gw?.stop());

async function generate(client: AdminClient, body: Record<string, unknown>, headers = {}) {
  const json = ok(await client.post("/key/generate", body, headers), "generate");
  secrets.push(json["key"] as string, json["key_name"] as string);
  return { secret: json["key"] as string, id: json["key_id"] as string };
}

/** An audit row as GET /audit answers it. */
interface Row {
  id: string;
  updated_at: string;
  changed_by: string;
  changed_by_api_key: string | null;
  actor_role: string;
  action: string;
  table_name: string;
  object_kind: string;
  object_id: string;
  before_value: Record<string, unknown> | null;
  updated_values: Record<string, unknown> | null;
  request_id: string | null;
}

/** Every row of `/audit?<query>`, following next_page_token. */
async function auditRows(client: AdminClient, query: string): Promise<Row[]> {
  const rows: Row[] = [];
  let token = "";
  for (;;) {
    const reply = await client.get(`/audit?${query}${token ? `&page_token=${token}` : ""}`);
    const json = ok(reply, "audit") as { audit_logs: Row[]; next_page_token: string | null };
    rows.push(...json.audit_logs);
    if (!json.next_page_token) return rows;
    token = json.next_page_token;
  }
}

/** Waits until `/audit?<query>` lists `count` rows (the audit log reaches ClickHouse asynchronously). */
async function awaitRows(query: string, count: number): Promise<Row[]> {
  let rows: Row[] = [];
  await within(30_000, async () => {
    rows = await auditRows(master, query);
    return rows.length >= count;
  });
  return rows;
}

async function clickhouse(sql: string): Promise<string> {
  const res = await fetch(gw.clickhouse.url, { method: "POST", body: sql });
  const text = await res.text();
  assert.ok(res.ok, text);
  return text;
}

describe("admin audit log through the mesh", () => {
  let app: { secret: string; id: string };
  let lead: { secret: string; id: string };
  let root: { secret: string; id: string };

  it("records every key change made with the master key, newest first, with before and after", async () => {
    ok(await master.post("/team/new", { team_id: "audit-team", models: [MODEL_A], max_budget: 10 }), "team");
    ok(await master.post("/user/new", { user_id: "lead", auto_create_key: false }), "lead");
    ok(
      await master.post("/team/member_add", { team_id: "audit-team", member: { role: "admin", user_id: "lead" } }),
      "",
    );
    lead = await generate(master, { team_id: "audit-team", user_id: "lead" });
    app = await generate(master, { team_id: "audit-team", key_alias: "app" }, { "x-request-id": "audit-e2e-gen" });
    ok(await master.post("/key/update", { key: app.id, key_alias: "app-2", max_budget: 5 }), "update");
    ok(await master.post("/key/block", { key: app.id }), "block");
    ok(await master.post("/key/unblock", { key: app.id }), "unblock");
    const regenerated = ok(await master.post(`/key/${app.id}/regenerate`, {}), "regenerate");
    secrets.push(regenerated["key"] as string, regenerated["key_name"] as string);
    ok(await master.get(`/key/info?key=${app.id}`), "reads are not audited");

    const rows = await awaitRows(`object_id=${app.id}`, 5);
    assert.deepEqual(
      rows.map((r) => r.action),
      ["key.regenerate", "key.unblock", "key.block", "key.update", "key.generate"],
    );
    for (const row of rows) {
      assert.equal(row.changed_by, "master");
      assert.equal(row.changed_by_api_key, null);
      assert.equal(row.actor_role, "master_key");
      assert.equal(row.table_name, "LiteLLM_VerificationToken");
      assert.equal(row.object_kind, "key");
      assert.ok(!Number.isNaN(Date.parse(row.updated_at)));
    }
    const [regen, unblock, block, update, gen] = rows as [Row, Row, Row, Row, Row];
    assert.equal(gen.before_value, null);
    assert.equal(gen.updated_values?.["key_alias"], "app");
    assert.equal(gen.updated_values?.["team_id"], "audit-team");
    assert.equal(gen.request_id, "audit-e2e-gen", "the ingress's request id reaches the audit event");
    assert.equal(update.before_value?.["key_alias"], "app");
    assert.equal(update.updated_values?.["key_alias"], "app-2");
    // Unset limits (no limit) are absent, as in the admin message.
    assert.deepEqual(update.updated_values?.["limits"], { max_budget_nanos: "5000000000", budget_duration: "" });
    assert.deepEqual([block.before_value?.["blocked"], block.updated_values?.["blocked"]], [false, true]);
    assert.deepEqual([unblock.before_value?.["blocked"], unblock.updated_values?.["blocked"]], [true, false]);
    assert.equal(regen.updated_values?.["key_id"], app.id);
    for (const row of rows) {
      assert.equal(row.before_value?.["key_name"] ?? "", "");
      assert.equal(row.updated_values?.["key_name"] ?? "", "");
    }

    // One row by id, and filters by actor and action.
    const one = ok(await master.get(`/audit/${block.id}`), "by id") as unknown as Row;
    assert.deepEqual(one, block);
    assert.equal((await master.get("/audit/no-such-event")).status, 404);
    const byAction = await auditRows(master, `action=key.block&changed_by=master&table_name=LiteLLM_VerificationToken`);
    assert.ok(byAction.some((r) => r.id === block.id));
    assert.ok(byAction.every((r) => r.action === "key.block"));
  });

  it("names a team admin's own key and user as the actor", async () => {
    const leadClient = clientFor(gw.mesh.restUrl, lead.secret);
    ok(await leadClient.post("/key/update", { key: app.id, key_alias: "by-lead" }), "lead update");
    const rows = await awaitRows(`object_id=${app.id}&changed_by=lead`, 1);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.action, "key.update");
    assert.equal(rows[0]!.changed_by_api_key, lead.id);
    assert.equal(rows[0]!.actor_role, "team_admin");
    assert.equal(rows[0]!.updated_values?.["key_alias"], "by-lead");
    const byKey = await auditRows(master, `changed_by_api_key=${lead.id}`);
    assert.deepEqual(
      byKey.map((r) => r.id),
      rows.map((r) => r.id),
    );
  });

  it("lets only the master key and proxy admins read it", async () => {
    const leadClient = clientFor(gw.mesh.restUrl, lead.secret);
    const refused = await leadClient.get("/audit");
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.equal((await send(gw.mesh.restUrl, "GET", "/audit")).status, 401);
    assert.equal((await clientFor(gw.mesh.restUrl, "sk-wrong").get("/audit")).status, 401);
    const created = ok(await master.post("/user/new", { user_id: "root", user_role: "proxy_admin" }), "root");
    root = { secret: created["key"] as string, id: created["key_id"] as string };
    secrets.push(root.secret, created["key_name"] as string);
    const rootClient = clientFor(gw.mesh.restUrl, root.secret);
    const byRoot = ok(await rootClient.get("/audit?page_size=5"), "proxy admin") as { audit_logs: Row[] };
    assert.equal(byRoot.audit_logs.length, 5);
    assert.equal((await master.post("/audit", {})).status, 405);
    assert.equal((await master.get("/audit?page=2")).json.error?.param, "page");
    assert.equal((await master.get("/audit?table_name=nope")).json.error?.param, "table_name");
    assert.equal((await master.get(`/audit?changed_by_api_key=${root.secret}`)).status, 400);
  });

  it("records a team's deletion with the keys it took along, and pages without repeats", async () => {
    ok(await master.post("/team/update", { team_id: "audit-team", team_alias: "Audit" }), "team update");
    ok(await master.post("/key/delete", { keys: [lead.id] }), "key delete");
    ok(await master.post("/team/delete", { team_ids: ["audit-team"] }), "team delete");
    const teamRows = await awaitRows("object_id=audit-team", 4);
    assert.deepEqual(
      teamRows.map((r) => r.action),
      ["team.delete", "team.update", "team.member_add", "team.new"],
    );
    const deleted = teamRows.find((r) => r.action === "team.delete")!;
    assert.equal(deleted.updated_values, null);
    assert.equal(deleted.before_value?.["team_alias"], "Audit");
    const update = teamRows.find((r) => r.action === "team.update")!;
    assert.deepEqual([update.before_value?.["team_alias"], update.updated_values?.["team_alias"]], ["", "Audit"]);
    const keyRows = await awaitRows(`object_id=${app.id}&action=team.delete`, 1);
    assert.equal(keyRows[0]!.updated_values, null, "the team's key went with it, audited under team.delete");
    const leadDelete = await awaitRows(`object_id=${lead.id}&action=key.delete`, 1);
    assert.equal(leadDelete[0]!.before_value?.["user_id"], "lead");

    const all = await auditRows(master, "page_size=1000");
    const paged = await auditRows(master, "page_size=3");
    assert.deepEqual(
      paged.map((r) => r.id),
      all.map((r) => r.id),
    );
    assert.equal(new Set(all.map((r) => r.id)).size, all.length);
  });

  it("never stores a key secret, its hash or its masked form in the audit table", async () => {
    const database = (await clickhouse("SELECT database FROM system.tables WHERE name = 'audit_log'")).trim();
    assert.ok(database !== "", "the audit_log table exists");
    const dump = await clickhouse(`SELECT * FROM \`${database}\`.audit_log FORMAT TabSeparated`);
    assert.ok(dump.split("\n").filter((l) => l !== "").length >= 15, "the audit table holds the changes");
    assert.ok(secrets.length >= 8);
    for (const secret of secrets) {
      assert.ok(secret.length > 8);
      assert.ok(!dump.includes(secret), `a secret or masked secret reached the audit table: ${secret.slice(0, 6)}...`);
    }
    assert.ok(!/sk-[A-Za-z0-9_-]{20,}/.test(dump), "nothing shaped like a secret is stored");
    assert.ok(!dump.includes("secret_hash") && !dump.includes("key_hash"));
    // And the services never logged one either.
    const logs = gw.lines.join("\n");
    for (const secret of secrets.filter((s) => !s.includes("..."))) assert.ok(!logs.includes(secret));
  });
});
