import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { auditFilterOf, auditRow, matchAudit } from "./audit.js";

function refusedWith(fn: () => unknown, param: string, status = 400): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.detail.httpStatus, status);
    if (param !== "") assert.equal(err.detail.param, param);
    return true;
  });
}

describe("GET /audit", () => {
  it("matches /audit and /audit/{id} exactly, GET only", () => {
    assert.equal(matchAudit("GET", "/audit?page_size=5")?.id, undefined);
    assert.equal(matchAudit("GET", "/audit/0b7c-1")?.id, "0b7c-1");
    assert.equal(matchAudit("GET", "/audits"), undefined);
    assert.equal(matchAudit("GET", "/audit/a/b"), undefined);
    refusedWith(() => matchAudit("POST", "/audit"), "", 405);
    refusedWith(() => matchAudit("GET", "/audit/"), "path");
    refusedWith(() => matchAudit("GET", "/%61udit"), "path");
  });

  it("reads LiteLLM's filters, with changed_by=master meaning the master key", () => {
    const q = (s: string) => new URLSearchParams(s);
    const f = auditFilterOf(
      q("changed_by=master&table_name=LiteLLM_TeamTable&object_id=t1&action=team.new&start_date=2026-12-01"),
    );
    assert.equal(f.actorRole, policy.AuditActorRole.MASTER_KEY);
    assert.equal(f.actorUserId, "");
    assert.equal(f.objectKind, "team");
    assert.equal(f.objectId, "t1");
    assert.equal(f.action, "team.new");
    assert.equal(f.startMs, BigInt(Date.parse("2026-12-01T00:00:00Z")));
    const g = auditFilterOf(q("changed_by=alice&changed_by_api_key=key_1&object_kind=key&end_date=2026-12-01"));
    assert.equal(g.actorRole, policy.AuditActorRole.UNSPECIFIED);
    assert.equal(g.actorUserId, "alice");
    assert.equal(g.actorKeyId, "key_1");
    assert.equal(g.objectKind, "key");
    assert.equal(g.endMs, BigInt(Date.parse("2026-12-02T00:00:00Z")));
    refusedWith(() => auditFilterOf(q("table_name=users")), "table_name");
    refusedWith(() => auditFilterOf(q("changed_by_api_key=sk-abc")), "changed_by_api_key");
    refusedWith(() => auditFilterOf(q("action=a&action=b")), "action");
  });

  it("renders an event with LiteLLM's field names and the JSON objects parsed", () => {
    const row = auditRow(
      create(policy.AuditEventSchema, {
        eventId: "e1",
        timeMs: 1_764_547_200_000n,
        actor: { role: policy.AuditActorRole.TEAM_ADMIN, keyId: "key_1", userId: "lead" },
        action: "key.update",
        objectKind: "key",
        objectId: "key_2",
        beforeJson: '{"key_alias":"a"}',
        afterJson: '{"key_alias":"b"}',
      }),
    );
    assert.deepEqual(row, {
      id: "e1",
      updated_at: "2025-12-01T00:00:00.000Z",
      changed_by: "lead",
      changed_by_api_key: "key_1",
      actor_role: "team_admin",
      action: "key.update",
      table_name: "LiteLLM_VerificationToken",
      object_kind: "key",
      object_id: "key_2",
      before_value: { key_alias: "a" },
      updated_values: { key_alias: "b" },
      request_id: null,
    });
    const master = auditRow(create(policy.AuditEventSchema, { actor: { role: policy.AuditActorRole.MASTER_KEY } }));
    assert.equal(master["changed_by"], "master");
    assert.equal(master["before_value"], null);
  });
});
