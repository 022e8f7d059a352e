import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { llm, metering, policy } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { AUDIT_CONTENT_TYPE, AUDIT_STREAM, AUDIT_SUBJECT, ensureAuditStream } from "@switchyard/usage";
import { auditConsumer, ensureAuditConsumer, startAuditIngest } from "./audit-ingest.js";
import { listAuditLogs, toAuditRow } from "./audit-log.js";
import { migrate } from "./schema.js";
import { sql } from "./sql.js";
import type { Store } from "./store.js";
import { eventually, HOSTILE, type Infra, startInfra, testLog, testStore } from "./testkit.js";

const BASE = 1_740_830_400_000n; // 2025-03-01T12:00:00Z
const { AuditActorRole } = policy;
const ACTIONS = ["key.generate", "key.update", "key.block", "team.new", "team.delete"];

/** Audit event `i`: time, actor, action and object are functions of `i`. */
function auditEvent(i: number, overrides: Partial<policy.AuditEvent> = {}): policy.AuditEvent {
  const event = create(policy.AuditEventSchema, {
    eventId: `audit-${i.toString().padStart(6, "0")}`,
    // Every fifth event shares one millisecond, so pages must break ties by event id.
    timeMs: i % 5 === 0 ? BASE : BASE + BigInt(i) * 3_600_000n,
    actor:
      i % 3 === 0
        ? { role: AuditActorRole.MASTER_KEY }
        : { role: AuditActorRole.PROXY_ADMIN, userId: `admin-${i % 2}`, keyId: `key_${i % 2}` },
    action: ACTIONS[i % ACTIONS.length]!,
    objectKind: i % 2 ? "key" : "team",
    objectId: `object-${i % 10}`,
    beforeJson: i % 4 ? JSON.stringify({ n: i - 1 }) : "",
    afterJson: JSON.stringify({ n: i }),
    requestId: `req-${i}`,
  });
  return Object.assign(event, overrides);
}

/** Every page of a listing, following the tokens. */
async function allPages(store: Store, filter: metering.AuditFilter | undefined, pageSize: number) {
  const events: policy.AuditEvent[] = [];
  let pageToken = "";
  for (let pages = 0; pages < 1_000; pages++) {
    const res = await listAuditLogs(
      store,
      create(metering.ListAuditLogsRequestSchema, { filter, pageSize, pageToken }),
    );
    events.push(...res.events);
    if (res.nextPageToken === "") return events;
    pageToken = res.nextPageToken;
  }
  throw new Error("too many pages");
}

const filter = (init: Parameters<typeof create<typeof metering.AuditFilterSchema>>[1]) =>
  create(metering.AuditFilterSchema, init);

describe("audit log in ClickHouse 18.16", () => {
  let infra: Infra;
  let store: Store;
  const events = Array.from({ length: 120 }, (_, i) => auditEvent(i));
  const hostile = HOSTILE.filter((v) => v !== "").map((v, i) =>
    auditEvent(10_000 + i, { objectId: v, action: v, beforeJson: v, afterJson: v, requestId: v }),
  );

  before(async () => {
    infra = await startInfra();
    store = testStore(infra, "audit_spec");
    await migrate(store, testLog);
  });
  after(async () => {
    await store?.close();
    await infra?.stop();
  });

  it("stores what the audit stream delivers once, however often it is delivered, and acks after the insert", async () => {
    const jsm = await jetstreamManager(infra.nc);
    await ensureAuditStream(jsm);
    await ensureAuditConsumer(jsm, 30_000);
    const ingest = startAuditIngest(
      { consumer: () => auditConsumer(infra.js), store, log: testLog },
      { batchSize: 50, batchWaitMs: 1_000, ackWaitMs: 30_000 },
    );
    try {
      const publish = async (e: policy.AuditEvent, msgID: string) => {
        const h = headers();
        h.set("content-type", AUDIT_CONTENT_TYPE);
        await infra.js.publish(AUDIT_SUBJECT, toBinary(policy.AuditEventSchema, e), { msgID, headers: h });
      };
      for (const e of [...events, ...hostile]) await publish(e, e.eventId);
      // Redelivered under other message ids (past JetStream's duplicate window): must still count once.
      for (const e of events.slice(0, 30)) await publish(e, `again-${e.eventId}`);
      await jetstream(infra.nc).publish(AUDIT_SUBJECT, new Uint8Array([0xff, 0xff, 0xff]));
      const total = events.length + hostile.length;
      await eventually(async () => {
        const [row] = await store.rows<{ n: string }>(sql`SELECT count() AS n FROM ${store.table("audit_log")}`);
        const info = await jsm.consumers.info(AUDIT_STREAM, "switchyard-metering-audit");
        assert.ok(Number(row?.n) >= total + 30 && info.num_ack_pending === 0 && info.num_pending === 0);
      });
      assert.equal(ingest.stats().rejected, 1, "a message that is not an audit event is terminated");
      const listed = await allPages(store, undefined, 1000);
      assert.equal(listed.length, total);
      assert.equal(new Set(listed.map((e) => e.eventId)).size, total);
    } finally {
      await ingest.stop(5_000);
    }
  });

  it("lists newest first, pages without skipping or repeating, and reads every field back", async () => {
    const endMs = BASE + 10_000_000_000n;
    const listed = await allPages(store, filter({ endMs }), 7);
    const expected = [...events, ...hostile]
      .filter((e) => e.timeMs < endMs)
      .sort((a, b) => (a.timeMs !== b.timeMs ? (a.timeMs > b.timeMs ? -1 : 1) : a.eventId > b.eventId ? -1 : 1));
    assert.deepEqual(
      listed.map((e) => e.eventId),
      expected.map((e) => e.eventId),
    );
    const original = events[7]!;
    const back = listed.find((e) => e.eventId === original.eventId)!;
    assert.deepEqual(toAuditRow(back, ""), toAuditRow(original, ""));
  });

  it("filters by time, actor, action, object and request, with hostile values matched exactly", async () => {
    const ids = async (f: metering.AuditFilter) => (await allPages(store, f, 1000)).map((e) => e.eventId).sort();
    // Over every stored event, numbered as auditEvent numbered them.
    const expect = (keep: (e: policy.AuditEvent, i: number) => boolean) =>
      [...events, ...hostile]
        .filter((e) => keep(e, Number(e.eventId.slice("audit-".length))))
        .map((e) => e.eventId)
        .sort();
    assert.deepEqual(
      await ids(filter({ actorRole: AuditActorRole.MASTER_KEY })),
      expect((_, i) => i % 3 === 0),
    );
    assert.deepEqual(
      await ids(filter({ actorUserId: "admin-1", action: "key.update" })),
      expect((e, i) => i % 3 !== 0 && i % 2 === 1 && e.action === "key.update"),
    );
    assert.deepEqual(
      await ids(filter({ actorKeyId: "key_0", objectKind: "team" })),
      expect((_, i) => i % 3 !== 0 && i % 2 === 0),
    );
    assert.deepEqual(
      await ids(filter({ objectId: "object-3" })),
      expect((e) => e.objectId === "object-3"),
    );
    assert.deepEqual(await ids(filter({ requestId: "req-42" })), ["audit-000042"]);
    assert.deepEqual(await ids(filter({ eventId: "audit-000042" })), ["audit-000042"]);
    const start = BASE + 3_600_000n * 10n;
    const end = BASE + 3_600_000n * 50n;
    assert.deepEqual(
      await ids(filter({ startMs: start, endMs: end })),
      expect((e) => e.timeMs >= start && e.timeMs < end),
    );
    for (const e of hostile) {
      assert.deepEqual(
        await ids(filter({ objectId: e.objectId })),
        [e.eventId],
        JSON.stringify(e.objectId.slice(0, 40)),
      );
      const [back] = await allPages(store, filter({ action: e.action, requestId: e.requestId }), 10);
      assert.equal(back?.beforeJson, e.beforeJson);
    }
  });

  it("refuses malformed filters and page tokens by name", async () => {
    const refused = async (req: metering.ListAuditLogsRequest, param: string) => {
      await assert.rejects(listAuditLogs(store, req), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.detail.class, llm.ErrorClass.INVALID_REQUEST);
        assert.equal(err.detail.param, param);
        return true;
      });
    };
    const req = (init: Parameters<typeof create<typeof metering.ListAuditLogsRequestSchema>>[1]) =>
      create(metering.ListAuditLogsRequestSchema, init);
    await refused(req({ filter: { startMs: -1n } }), "filter.start_ms");
    await refused(req({ filter: { startMs: 10n, endMs: 10n } }), "filter.end_ms");
    await refused(req({ filter: { actorRole: 99 as policy.AuditActorRole } }), "filter.actor_role");
    await refused(req({ filter: { objectId: "x".repeat(70_000) } }), "filter.object_id");
    await refused(req({ filter: { action: "\ud800" } }), "filter.action");
    await refused(req({ pageToken: "not a token" }), "page_token");
  });
});
