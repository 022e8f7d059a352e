// PolicyAdminService over Connect. Every call first resolves its caller from the `authorization` header
// (access.ts); reads are answered from this replica's in-memory state, writes go to the KV store with
// compare-and-set. Every record a write call changes becomes an audit event, published before the call returns
// (audit.ts, audit-publisher.ts). Without NATS there is no store, and every call answers UNAVAILABLE.

import { llm, policy } from "@switchyard/proto";
import { connect, GatewayError, type Logger } from "@switchyard/runtime";
import { type Caller, callerOf } from "./access.js";
import * as customers from "./admin-customers.js";
import * as keys from "./admin-keys.js";
import type { AdminEnv } from "./admin-kit.js";
import * as teams from "./admin-teams.js";
import * as users from "./admin-users.js";
import { type AuditAction, type AuditChange, auditEvents, recordingStore, requestIdOf } from "./audit.js";
import type { AuditSink } from "./audit-publisher.js";
import type { KeyHasher } from "./credentials.js";
import type { PrincipalResolver } from "./principal.js";
import type { SpendReader } from "./spend.js";
import type { PolicyStore } from "./store.js";

/** Dependencies of the admin service; `store` and `hasher` are absent when the policy runs without NATS. */
export interface AdminDeps {
  resolver: PrincipalResolver;
  store?: PolicyStore | undefined;
  hasher?: KeyHasher | undefined;
  log: Logger;
  now?: () => number;
  /** Where the audit events of write calls go; without it nothing is audited (specs that test other things). */
  audit?: AuditSink | undefined;
  /** Fills in the spend of the records read calls answer with; without it spend reads 0. */
  spend?: SpendReader | undefined;
}

/** The error of every admin call when the policy runs without NATS. */
export const NO_STORE_MESSAGE = "key management needs NATS (SWITCHYARD_NATS_URL)";

/**
 * The error of a write call whose change was made but whose audit event could not be stored. Not `unavailable`: the
 * change is in place, and blindly retrying a create or a regenerate would make a second one.
 */
export function auditFailed(cause: unknown): GatewayError {
  return new GatewayError(
    {
      class: llm.ErrorClass.INTERNAL,
      code: "audit_log_unavailable",
      message: "the change was made, but its audit record could not be stored; check the current state before retrying",
    },
    { cause },
  );
}

/** The action of a write call, fixed or read from its request; undefined for reads. */
type ActionOf<Req> = AuditAction | ((req: Req) => AuditAction) | undefined;

/** Adds the PolicyAdminService routes to `routes`. */
export function adminRoutes(deps: AdminDeps, routes: connect.Routes = new Map()): connect.Routes {
  const { store, hasher, log } = deps;
  const env: AdminEnv | undefined =
    store && hasher ? { store, state: store.state, hasher, now: deps.now ?? Date.now } : undefined;

  /** Publishes the audit events of a call's changes; the sink logs and counts any it could not store. */
  const publishChanges = <Req>(
    caller: Caller,
    action: ActionOf<Req>,
    req: Req,
    ctx: connect.HandlerContext,
    changes: readonly AuditChange[],
  ): Promise<void> => {
    const name = typeof action === "function" ? action(req) : action;
    if (!name || !deps.audit || changes.length === 0) return Promise.resolve();
    return deps.audit.publish(auditEvents(changes, caller, name, requestIdOf(ctx.requestHeaders)));
  };

  /** An unexpected error stays in the log; the caller gets a classified one. */
  const classified = (method: string, err: unknown): GatewayError => {
    if (err instanceof GatewayError) return err;
    log.error({ err, method }, "admin call failed");
    return GatewayError.from(err);
  };

  /**
   * Runs one call: the store must be there and the caller must be known. A write call (one with an action) runs on a
   * store that records what it changes; those changes are published as audit events before the call answers, also
   * when the call fails halfway (what was written stays written).
   */
  const call =
    <Req, Res>(
      method: string,
      handler: (env: AdminEnv, caller: Caller, req: Req) => Res | Promise<Res>,
      action?: ActionOf<Req>,
    ) =>
    async (req: Req, ctx: connect.HandlerContext): Promise<Res> => {
      if (!env) throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: NO_STORE_MESSAGE });
      let caller: Caller;
      try {
        caller = callerOf(ctx.requestHeaders, deps.resolver, env.state);
      } catch (err) {
        throw classified(method, err);
      }
      const changes: AuditChange[] = [];
      const audited = action !== undefined && deps.audit !== undefined;
      const callEnv = audited ? { ...env, store: recordingStore(env.store, changes, env.now) } : env;
      let result: Res;
      try {
        result = await handler(callEnv, caller, req);
      } catch (err) {
        // The call's own error is what the client needs; a failed audit of its partial changes is logged and counted.
        await publishChanges(caller, action, req, ctx, changes).catch(() => undefined);
        throw classified(method, err);
      }
      try {
        await publishChanges(caller, action, req, ctx, changes);
      } catch (err) {
        throw auditFailed(err);
      }
      if (action === undefined && deps.spend && typeof result === "object" && result !== null) {
        await deps.spend.decorate(result);
      }
      return result;
    };

  return connect.addConnectService(routes, policy.PolicyAdminService, {
    generateKey: call(
      "GenerateKey",
      (e, c, r: policy.GenerateKeyRequest) => keys.generateKey(e, c, r.key),
      "key.generate",
    ),
    updateKey: call("UpdateKey", keys.updateKey, "key.update"),
    deleteKeys: call("DeleteKeys", keys.deleteKeys, "key.delete"),
    getKey: call("GetKey", keys.getKey),
    listKeys: call("ListKeys", keys.listKeys),
    regenerateKey: call("RegenerateKey", keys.regenerateKey, "key.regenerate"),
    setKeyBlocked: call("SetKeyBlocked", keys.setKeyBlocked, (r) => (r.blocked ? "key.block" : "key.unblock")),
    createTeam: call("CreateTeam", teams.createTeam, "team.new"),
    updateTeam: call("UpdateTeam", teams.updateTeam, "team.update"),
    deleteTeams: call("DeleteTeams", teams.deleteTeams, "team.delete"),
    getTeam: call("GetTeam", teams.getTeam),
    listTeams: call("ListTeams", teams.listTeams),
    addTeamMembers: call("AddTeamMembers", teams.addTeamMembers, "team.member_add"),
    removeTeamMembers: call("RemoveTeamMembers", teams.removeTeamMembers, "team.member_delete"),
    createUser: call("CreateUser", users.createUser, "user.new"),
    updateUser: call("UpdateUser", users.updateUser, "user.update"),
    deleteUsers: call("DeleteUsers", users.deleteUsers, "user.delete"),
    getUser: call("GetUser", users.getUser),
    listUsers: call("ListUsers", users.listUsers),
    createCustomer: call("CreateCustomer", customers.createCustomer, "customer.new"),
    updateCustomer: call("UpdateCustomer", customers.updateCustomer, "customer.update"),
    deleteCustomers: call("DeleteCustomers", customers.deleteCustomers, "customer.delete"),
    getCustomer: call("GetCustomer", customers.getCustomer),
  });
}
