// What every admin handler shares: its environment, ids for new records, not-found errors and the public view of a
// record.

import { randomBytes } from "node:crypto";
import { clone } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import type { KeyHasher } from "./credentials.js";
import type { PolicyState } from "./state.js";
import type { PolicyStore } from "./store.js";
import { BOUNDS, checkCount, checkId } from "./validate.js";

/** The dependencies of the admin handlers. */
export interface AdminEnv {
  readonly store: PolicyStore;
  readonly state: PolicyState;
  readonly hasher: KeyHasher;
  now(): number;
}

/** A NOT_FOUND error naming what is missing. */
export function notFound(what: string, param: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.NOT_FOUND, message: `${what} not found`, code: "not_found", param });
}

/** The id a create call uses: the requested one (checked) or a new random one with `prefix`. */
export function idFor(requested: string, prefix: string, field: string): string {
  return requested === "" ? `${prefix}_${randomBytes(8).toString("hex")}` : checkId(requested, field);
}

/** Checks a batch of ids: bounded, well-formed, not empty. */
export function checkIds(ids: readonly string[], field: string): string[] {
  checkCount(ids, BOUNDS.batch, field);
  if (ids.length === 0) throw invalidRequest(`${field}: expected at least one id`, field);
  ids.forEach((id, i) => {
    checkId(id, `${field}[${i}]`);
  });
  return [...new Set(ids)];
}

/** A user as callers see it: its team ids derived from the teams' member lists. */
export function presentUser(state: PolicyState, user: policy.User): policy.User {
  const out = clone(policy.UserSchema, user);
  out.teamIds = state.teamsOfUser(user.userId);
  return out;
}
