import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { llm, policy } from "@switchyard/proto";
import { connect, createMetricsRegistry } from "@switchyard/runtime";
import { AUDIT_CONSUMER, AUDIT_STREAM, ensureAuditStream } from "@switchyard/usage";
import type { Caller } from "./access.js";
import { adminRoutes } from "./admin.js";
import { actorOf, auditEvents, auditJson, REDACTED, recordingStore, requestIdOf } from "./audit.js";
import { type AuditSink, auditMetrics, createAuditPublisher } from "./audit-publisher.js";
import { createKeyHasher } from "./credentials.js";
import { createResolver } from "./principal.js";
import type { StoredKey } from "./records.js";
import { openStore, type PolicyStore } from "./store.js";
import { admin, HASH_SECRET, MASTER, rejectsWith, testLog } from "./testkit.js";

const m = policy.PolicyAdminService.method;
const SECRET = "sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd";
const MASTER_CALLER: Caller = { role: "admin", id: "master", keyId: "" };

function storedKey(overrides: { keyAlias?: string } = {}): StoredKey {
  const key = create(policy.KeySchema, {
    keyId: "key_0123456789abcdef",
    keyAlias: "app",
    keyName: "sk-...abcd",
    teamId: "red",
    metadataJson: JSON.stringify({ pasted: SECRET, note: "fine" }),
    ...overrides,
  });
  return { key, hash: Buffer.from("0123456789abcdef0123456789abcdef") };
}

describe("audit redaction", () => {
  it("shows a key as its Key message: no hash, no masked secret, no secret-shaped strings", () => {
    const stored = storedKey();
    const json = auditJson("keys", stored);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.equal(parsed["key_id"], "key_0123456789abcdef");
    assert.equal(parsed["key_alias"], "app");
    assert.equal(parsed["key_name"], "", "the masked secret is stripped");
    assert.equal(parsed["blocked"], false, "every field is present, defaults included");
    assert.ok(!("hash" in parsed) && !("secret_hash" in parsed));
    assert.ok(!json.includes(SECRET), json);
    assert.ok(!json.includes("sk-...abcd"), json);
    assert.ok(!json.includes(Buffer.from(stored.hash).toString("base64")), "the hash never appears");
    assert.ok(!json.includes(Buffer.from(stored.hash).toString("hex")), "the hash never appears");
    assert.ok(json.includes(REDACTED) && json.includes("fine"), json);
    assert.equal(stored.key.keyName, "sk-...abcd", "the stored record itself is not touched");
  });

  it("renders teams, users and customers with proto field names, and nothing for no record", () => {
    const team = create(policy.TeamSchema, { teamId: "red", limits: { maxBudgetNanos: 5n }, blocked: true });
    const parsed = JSON.parse(auditJson("teams", team)) as { team_id: string; limits: { max_budget_nanos: string } };
    assert.equal(parsed.team_id, "red");
    assert.equal(parsed.limits.max_budget_nanos, "5");
    assert.match(auditJson("users", create(policy.UserSchema, { userId: "u" })), /"user_id":"u"/);
    assert.match(auditJson("customers", create(policy.CustomerSchema, { userId: "c" })), /"user_id":"c"/);
    assert.equal(auditJson("teams", undefined), "");
  });

  it("names the actor as the policy authenticated it", () => {
    assert.deepEqual(
      { ...actorOf(MASTER_CALLER) },
      { ...create(policy.AuditActorSchema, { role: policy.AuditActorRole.MASTER_KEY }) },
    );
    const lead = actorOf({ role: "team_admin", id: "lead", keyId: "key_1", teams: new Set(["red"]) });
    assert.equal(lead.role, policy.AuditActorRole.TEAM_ADMIN);
    assert.equal(lead.userId, "lead");
    assert.equal(lead.keyId, "key_1");
    // A user who happens to be called "master" is still a proxy admin with a key.
    const named = actorOf({ role: "admin", id: "master", keyId: "key_2" });
    assert.equal(named.role, policy.AuditActorRole.PROXY_ADMIN);
  });

  it("keeps only safe request ids", () => {
    assert.equal(requestIdOf({ "x-request-id": "req-1.a:b" }), "req-1.a:b");
    assert.equal(requestIdOf({ "x-request-id": "bad id\n" }), "");
    assert.equal(requestIdOf({}), "");
  });
});

describe("recording store", () => {
  /** An in-memory stand-in for the KV store with the same no-op rules. */
  function memoryStore(): PolicyStore {
    const records = new Map<string, unknown>();
    return {
      state: undefined as unknown as PolicyStore["state"],
      close() {},
      async mutate(kind, id, mutation) {
        const current = records.get(`${kind}/${id}`) as never;
        const next = mutation(current);
        if (next === current || next === undefined) return current ?? null;
        if (next === null) records.delete(`${kind}/${id}`);
        else records.set(`${kind}/${id}`, next);
        return next;
      },
    };
  }

  it("records each write with before and after, and nothing for writes that change nothing", async () => {
    const changes: Parameters<typeof recordingStore>[1] = [];
    const store = recordingStore(memoryStore(), changes, () => 42);
    const team = create(policy.TeamSchema, { teamId: "red" });
    await store.mutate("teams", "red", () => team);
    await store.mutate("teams", "red", (current) => current);
    await store.mutate("teams", "red", (current) => ({ ...current!, blocked: true }));
    await store.mutate("teams", "gone", () => null);
    await store.mutate("keys", storedKey().key.keyId, () => storedKey());
    await store.mutate("teams", "red", () => null);
    assert.deepEqual(
      changes.map((c) => [c.objectKind, c.objectId, c.beforeJson !== "", c.afterJson !== "", c.timeMs]),
      [
        ["team", "red", false, true, 42],
        ["team", "red", true, true, 42],
        ["key", "key_0123456789abcdef", false, true, 42],
        ["team", "red", true, false, 42],
      ],
    );
    assert.equal((JSON.parse(changes[1]!.afterJson) as { blocked: boolean }).blocked, true);
    assert.ok(!changes.some((c) => c.afterJson.includes(SECRET) || c.afterJson.includes("sk-...abcd")));
    const [event] = auditEvents(changes.slice(0, 1), MASTER_CALLER, "team.new", "req-7");
    assert.match(event!.eventId, /^[0-9a-f-]{36}$/);
    assert.equal(event!.timeMs, 42n);
    assert.equal(event!.requestId, "req-7");
  });
});

/** A policy replica on `nc` whose admin calls publish to `audit`, served over Connect. */
async function startAudited(nc: NatsConnection, audit: AuditSink) {
  const store = await openStore(nc, { log: testLog, timeoutMs: 2_000 });
  const hasher = createKeyHasher(HASH_SECRET);
  const resolver = createResolver({ masterKey: MASTER, state: store.state, hasher });
  const server = createServer(
    connect.createConnectHandler(adminRoutes({ resolver, store, hasher, log: testLog, audit })),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = connect.createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    store,
    client,
    async close() {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      store.close();
    },
  };
}

describe("admin calls publish audit events", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let replica: Awaited<ReturnType<typeof startAudited>>;
  const published: policy.AuditEvent[] = [];
  let failNext = false;
  const sink: AuditSink = {
    async publish(events) {
      if (failNext) throw new Error("nats gone");
      published.push(...events);
    },
  };
  before(async () => {
    nats = await startNats();
    nc = await natsConnect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    replica = await startAudited(nc, sink);
  });
  after(async () => {
    await replica?.close();
    await nc?.close();
    await nats?.stop();
  });

  const since = (n: number) => published.slice(n).map((e) => [e.action, e.objectKind, e.objectId]);

  it("records one event per changed record, with the call's action, actor and request id", async () => {
    const c = replica.client;
    await admin(c, m.createUser, { userId: "lead", user: {} });
    await admin(c, m.createTeam, { teamId: "red", members: [{ userId: "lead", role: policy.TeamRole.ADMIN }] });
    const n = published.length;
    const generated = await admin(c, m.generateKey, { key: { teamId: "red", userId: "lead", keyAlias: "app" } });
    const keyId = generated.key!.keyId;
    await admin(c, m.updateKey, { keyId, changes: { keyAlias: "app2" } });
    await admin(c, m.setKeyBlocked, { keyId, blocked: true });
    await admin(c, m.setKeyBlocked, { keyId, blocked: false });
    const regenerated = await admin(c, m.regenerateKey, { keyId });
    await admin(c, m.getKey, { keyId });
    await admin(c, m.listKeys, {});
    assert.deepEqual(since(n), [
      ["key.generate", "key", keyId],
      ["key.update", "key", keyId],
      ["key.block", "key", keyId],
      ["key.unblock", "key", keyId],
      ["key.regenerate", "key", keyId],
    ]);
    const [gen, upd, block] = published.slice(n);
    assert.equal(gen!.beforeJson, "");
    assert.equal(gen!.actor?.role, policy.AuditActorRole.MASTER_KEY);
    assert.equal((JSON.parse(upd!.beforeJson) as { key_alias: string }).key_alias, "app");
    assert.equal((JSON.parse(upd!.afterJson) as { key_alias: string }).key_alias, "app2");
    assert.deepEqual(
      [block!.beforeJson, block!.afterJson].map((j) => (JSON.parse(j) as { blocked: boolean }).blocked),
      [false, true],
    );
    const everything = JSON.stringify(published.map((e) => [e.beforeJson, e.afterJson]));
    for (const secret of [generated.secret, regenerated.secret]) assert.ok(!everything.includes(secret));
    assert.ok(!everything.includes(generated.key!.keyName) && !everything.includes(regenerated.key!.keyName));

    // A team admin's change names its key and user; a cascade carries the call's action.
    const leadKey = await admin(c, m.generateKey, { key: { teamId: "red", userId: "lead" } });
    const m2 = published.length;
    const headers = { authorization: `Bearer ${leadKey.secret}`, "x-request-id": "req-audit-1" };
    const input = create(m.updateKey.input, { keyId, changes: { keyAlias: "by-lead" } });
    await connect.callUnary(c, m.updateKey, input, { headers });
    const [byLead] = published.slice(m2);
    assert.equal(byLead!.actor?.role, policy.AuditActorRole.TEAM_ADMIN);
    assert.equal(byLead!.actor?.userId, "lead");
    assert.equal(byLead!.actor?.keyId, leadKey.key!.keyId);
    assert.equal(byLead!.requestId, "req-audit-1");
    const m3 = published.length;
    await admin(c, m.deleteTeams, { teamIds: ["red"] });
    assert.deepEqual(
      since(m3).sort(),
      [
        ["team.delete", "key", keyId],
        ["team.delete", "key", leadKey.key!.keyId],
        ["team.delete", "team", "red"],
      ].sort(),
    );
    assert.ok(published.slice(m3).every((e) => e.afterJson === ""));
  });

  it("publishes nothing for refused calls, and answers an error when the change could not be audited", async () => {
    const c = replica.client;
    const n = published.length;
    await rejectsWith(admin(c, m.createTeam, { teamId: "bad id!" }), llm.ErrorClass.INVALID_REQUEST);
    assert.equal(published.length, n);
    failNext = true;
    try {
      const err = await rejectsWith(admin(c, m.createTeam, { teamId: "blue" }), llm.ErrorClass.INTERNAL, /audit/);
      assert.equal(err.detail.code, "audit_log_unavailable");
    } finally {
      failNext = false;
    }
    assert.ok(replica.store.state.get("teams", "blue"), "the change itself stays made");
  });
});

describe("audit publisher on JetStream", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  before(async () => {
    nats = await startNats();
    nc = await natsConnect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  });
  after(async () => {
    await nc?.close();
    await nats?.stop();
  });

  const event = (id: string) =>
    create(policy.AuditEventSchema, { eventId: id, timeMs: 1n, action: "team.new", objectKind: "team", objectId: id });

  it("stores each event once under its id, creating a deleted stream again", async () => {
    const registry = createMetricsRegistry();
    const publisher = createAuditPublisher(nc, { log: testLog, registry, timeoutMs: 5_000 });
    const jsm = await jetstreamManager(nc);
    await ensureAuditStream(jsm);
    await publisher.publish([event("e1"), event("e2")]);
    await publisher.publish([event("e1")]);
    assert.equal((await jsm.streams.info(AUDIT_STREAM)).state.messages, 2, "a re-published id is dropped");
    await jsm.streams.delete(AUDIT_STREAM);
    await publisher.publish([event("e3")]);
    const info = await jsm.streams.info(AUDIT_STREAM);
    assert.equal(info.state.messages, 1);
    const stored = await jsm.streams.getMessage(AUDIT_STREAM, { seq: info.state.first_seq });
    assert.equal(fromBinary(policy.AuditEventSchema, stored!.data).eventId, "e3");
    assert.equal(stored!.header.get("Nats-Msg-Id"), "e3");
    const metrics = auditMetrics(registry);
    assert.equal((await metrics.published.get()).values[0]?.value, 4);
    assert.ok(((await metrics.retries.get()).values[0]?.value ?? 0) >= 1);
    assert.equal(AUDIT_CONSUMER, "switchyard-metering-audit");
  });

  it("gives up after its retry time, counts the event and rejects", async () => {
    const registry = createMetricsRegistry();
    const gone = await startNats();
    const lonely = await natsConnect({ servers: gone.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    try {
      const publisher = createAuditPublisher(lonely, { log: testLog, registry, timeoutMs: 600, ackTimeoutMs: 200 });
      await gone.stop();
      const started = Date.now();
      await assert.rejects(publisher.publish([event("lost")]));
      assert.ok(Date.now() - started < 5_000);
      assert.equal((await auditMetrics(registry).failed.get()).values[0]?.value, 1);
    } finally {
      await lonely.close();
      await gone.stop();
    }
  });
});
