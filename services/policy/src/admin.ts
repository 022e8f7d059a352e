// PolicyAdminService over Connect. Every call first resolves its caller from the `authorization` header
// (access.ts); reads are answered from this replica's in-memory state, writes go to the KV store with
// compare-and-set. Without NATS there is no store, and every call answers UNAVAILABLE.

import { llm, policy } from "@switchyard/proto";
import { connect, GatewayError, type Logger } from "@switchyard/runtime";
import { type Caller, callerOf } from "./access.js";
import * as customers from "./admin-customers.js";
import * as keys from "./admin-keys.js";
import type { AdminEnv } from "./admin-kit.js";
import * as teams from "./admin-teams.js";
import * as users from "./admin-users.js";
import type { KeyHasher } from "./credentials.js";
import type { PrincipalResolver } from "./principal.js";
import type { PolicyStore } from "./store.js";

/** Dependencies of the admin service; `store` and `hasher` are absent when the policy runs without NATS. */
export interface AdminDeps {
  resolver: PrincipalResolver;
  store?: PolicyStore | undefined;
  hasher?: KeyHasher | undefined;
  log: Logger;
  now?: () => number;
}

/** The error of every admin call when the policy runs without NATS. */
export const NO_STORE_MESSAGE = "key management needs NATS (SWITCHYARD_NATS_URL)";

/** Adds the PolicyAdminService routes to `routes`. */
export function adminRoutes(deps: AdminDeps, routes: connect.Routes = new Map()): connect.Routes {
  const { store, hasher, log } = deps;
  const env: AdminEnv | undefined =
    store && hasher ? { store, state: store.state, hasher, now: deps.now ?? Date.now } : undefined;

  /** Runs one call: the store must be there, the caller must be known, and any unexpected error stays in the log. */
  const call =
    <Req, Res>(method: string, handler: (env: AdminEnv, caller: Caller, req: Req) => Res | Promise<Res>) =>
    async (req: Req, ctx: connect.HandlerContext): Promise<Res> => {
      if (!env) throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: NO_STORE_MESSAGE });
      try {
        const caller = callerOf(ctx.requestHeaders, deps.resolver, env.state);
        return await handler(env, caller, req);
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        log.error({ err, method }, "admin call failed");
        throw GatewayError.from(err);
      }
    };

  return connect.addConnectService(routes, policy.PolicyAdminService, {
    generateKey: call("GenerateKey", (e, c, r: policy.GenerateKeyRequest) => keys.generateKey(e, c, r.key)),
    updateKey: call("UpdateKey", keys.updateKey),
    deleteKeys: call("DeleteKeys", keys.deleteKeys),
    getKey: call("GetKey", keys.getKey),
    listKeys: call("ListKeys", keys.listKeys),
    regenerateKey: call("RegenerateKey", keys.regenerateKey),
    setKeyBlocked: call("SetKeyBlocked", keys.setKeyBlocked),
    createTeam: call("CreateTeam", teams.createTeam),
    updateTeam: call("UpdateTeam", teams.updateTeam),
    deleteTeams: call("DeleteTeams", teams.deleteTeams),
    getTeam: call("GetTeam", teams.getTeam),
    listTeams: call("ListTeams", teams.listTeams),
    addTeamMembers: call("AddTeamMembers", teams.addTeamMembers),
    removeTeamMembers: call("RemoveTeamMembers", teams.removeTeamMembers),
    createUser: call("CreateUser", users.createUser),
    updateUser: call("UpdateUser", users.updateUser),
    deleteUsers: call("DeleteUsers", users.deleteUsers),
    getUser: call("GetUser", users.getUser),
    listUsers: call("ListUsers", users.listUsers),
    createCustomer: call("CreateCustomer", customers.createCustomer),
    updateCustomer: call("UpdateCustomer", customers.updateCustomer),
    deleteCustomers: call("DeleteCustomers", customers.deleteCustomers),
    getCustomer: call("GetCustomer", customers.getCustomer),
  });
}
