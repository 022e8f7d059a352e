// The audit trail of admin calls: every record a call writes becomes one switchyard.policy.v1.AuditEvent with who
// made the change, the call's action, and the record before and after as its admin message in JSON. What reaches an
// event is redacted here, once: a key is only its public `Key` message (never the stored secret hash), without
// `key_name` (the masked secret), and any string shaped like an API secret is replaced. Reads are never recorded.

import { randomUUID } from "node:crypto";
import { clone, create, type DescMessage, type MessageShape, toJsonString } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import type { Caller } from "./access.js";
import type { Kind, Records, StoredKey } from "./records.js";
import type { Mutation, PolicyStore } from "./store.js";

/** The action of each mutating admin call (LiteLLM's route names); a call's side effects carry its action. */
export type AuditAction =
  | "key.generate"
  | "key.update"
  | "key.delete"
  | "key.regenerate"
  | "key.block"
  | "key.unblock"
  | "team.new"
  | "team.update"
  | "team.delete"
  | "team.member_add"
  | "team.member_delete"
  | "user.new"
  | "user.update"
  | "user.delete"
  | "customer.new"
  | "customer.update"
  | "customer.delete";

/** One record a call changed, already redacted: the JSON holds no secret, hash or masked secret. */
export interface AuditChange {
  readonly objectKind: "key" | "team" | "user" | "customer";
  readonly objectId: string;
  /** The record before, "" when the call created it. */
  readonly beforeJson: string;
  /** The record after, "" when the call deleted it. */
  readonly afterJson: string;
  /** When the write was acknowledged by the store, unix ms. */
  readonly timeMs: number;
}

/**
 * Strings shaped like API secrets (`sk-` and 20 or more base64url characters: Switchyard's, OpenAI's, LiteLLM's).
 * None of the policy's own fields can hold one once `key_name` is gone, but metadata is free-form JSON an admin may
 * have pasted a secret into; the audit log must not become a second copy of it.
 */
const SECRET_SHAPED = /sk-[A-Za-z0-9_-]{20,}/g;
/** What a secret-shaped string is replaced with. */
export const REDACTED = "sk-[redacted]";

const JSON_OPTIONS = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

function jsonOf<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string {
  return toJsonString(schema, message, JSON_OPTIONS).replace(SECRET_SHAPED, REDACTED);
}

/**
 * A stored record as the audit log shows it: its admin message in protobuf JSON with proto field names and every
 * field present; "" for no record. A key is its `Key` alone, without `key_name`; its secret hash never leaves the
 * store record.
 */
export function auditJson<K extends Kind>(kind: K, record: Records[K] | undefined): string {
  if (record === undefined) return "";
  switch (kind) {
    case "keys": {
      const key = clone(policy.KeySchema, (record as StoredKey).key);
      key.keyName = "";
      return jsonOf(policy.KeySchema, key);
    }
    case "teams":
      return jsonOf(policy.TeamSchema, record as policy.Team);
    case "users":
      return jsonOf(policy.UserSchema, record as policy.User);
    default:
      return jsonOf(policy.CustomerSchema, record as policy.Customer);
  }
}

const OBJECT_KIND: Readonly<Record<Kind, AuditChange["objectKind"]>> = {
  keys: "key",
  teams: "team",
  users: "user",
  customers: "customer",
};

/**
 * A store whose writes also append an AuditChange to `changes`: one per write that changed a record (a mutation
 * that returns the current value, or deletes what is absent, writes nothing and records nothing). What the wrapped
 * mutation saw last is what was written, so its input is the "before" even after compare-and-set retries.
 */
export function recordingStore(store: PolicyStore, changes: AuditChange[], now: () => number): PolicyStore {
  return {
    state: store.state,
    close: () => store.close(),
    async mutate<K extends Kind>(kind: K, id: string, mutation: Mutation<Records[K]>) {
      let before: Records[K] | undefined;
      let after: Records[K] | null | undefined;
      const result = await store.mutate(kind, id, (current) => {
        before = current;
        after = mutation(current);
        return after;
      });
      const unchanged = after === undefined || after === before || (after === null && before === undefined);
      if (!unchanged) {
        changes.push({
          objectKind: OBJECT_KIND[kind],
          objectId: id,
          beforeJson: auditJson(kind, before),
          afterJson: auditJson(kind, after ?? undefined),
          timeMs: now(),
        });
      }
      return result;
    },
  };
}

/** The audit actor of a caller: the master key, or the key and user it called with and the role that allowed it. */
export function actorOf(caller: Caller): policy.AuditActor {
  const { AuditActorRole } = policy;
  if (caller.role === "admin" && caller.id === "master" && caller.keyId === "") {
    return create(policy.AuditActorSchema, { role: AuditActorRole.MASTER_KEY });
  }
  const role =
    caller.role === "admin"
      ? AuditActorRole.PROXY_ADMIN
      : caller.role === "team_admin"
        ? AuditActorRole.TEAM_ADMIN
        : AuditActorRole.UNSPECIFIED;
  return create(policy.AuditActorSchema, { role, keyId: caller.keyId, userId: caller.id });
}

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request id of an admin call's headers (the ingress forwards its `x-request-id`); "" when absent or unsafe. */
export function requestIdOf(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  const value = headers["x-request-id"];
  return typeof value === "string" && SAFE_REQUEST_ID.test(value) ? value : "";
}

/** The events of one call's changes, each with a new random id. */
export function auditEvents(
  changes: readonly AuditChange[],
  caller: Caller,
  action: AuditAction,
  requestId: string,
): policy.AuditEvent[] {
  const actor = actorOf(caller);
  return changes.map((change) =>
    create(policy.AuditEventSchema, {
      eventId: randomUUID(),
      timeMs: BigInt(change.timeMs),
      actor,
      action,
      objectKind: change.objectKind,
      objectId: change.objectId,
      beforeJson: change.beforeJson,
      afterJson: change.afterJson,
      requestId,
    }),
  );
}
