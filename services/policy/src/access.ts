// Who may call the admin API, from the caller's own credential (`authorization: Bearer <credential>`): the master
// key and proxy admins may do everything, proxy-admin viewers may read everything, a team admin may manage the keys
// and members of the teams it administers and read those teams, and nobody else may call at all.

import { llm, policy } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import type { PrincipalResolver } from "./principal.js";
import type { PolicyState } from "./state.js";

/**
 * An authorized admin caller. `id` is "master" or the caller's user id, recorded as a key's `created_by`; `keyId` is
 * the id of the virtual key it called with ("" for the master key), recorded in the audit log.
 */
export type Caller =
  | { readonly role: "admin"; readonly id: string; readonly keyId: string }
  | { readonly role: "viewer"; readonly id: string; readonly keyId: string }
  | { readonly role: "team_admin"; readonly id: string; readonly keyId: string; readonly teams: ReadonlySet<string> };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** An AUTH error: the caller is not known. */
export function unauthenticated(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.AUTH, message });
}

/** A PERMISSION_DENIED error: the caller is known but may not do this. */
export function forbidden(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.PERMISSION_DENIED, message });
}

/** The teams `userId` administers. */
export function adminTeams(state: PolicyState, userId: string): Set<string> {
  const teams = new Set<string>();
  for (const teamId of state.teamsOfUser(userId)) {
    const member = state.get("teams", teamId)?.members.find((m) => m.userId === userId);
    if (member?.role === policy.TeamRole.ADMIN) teams.add(teamId);
  }
  return teams;
}

/**
 * Resolves the caller of an admin call from its request headers. A missing or unknown credential is AUTH; a valid
 * key whose user holds no admin role (proxy admin, viewer, or admin of some team) is PERMISSION_DENIED.
 */
export function callerOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  resolver: PrincipalResolver,
  state: PolicyState,
): Caller {
  const header = headers["authorization"];
  const credential = typeof header === "string" ? BEARER.exec(header)?.[1] : undefined;
  if (!credential) throw unauthenticated("missing api key: send Authorization: Bearer <key>");
  const principal = resolver.resolve(credential);
  if (principal.kind === "denied") throw unauthenticated(principal.reason);
  if (principal.kind === "master") return { role: "admin", id: "master", keyId: "" };
  const user = principal.user;
  const keyId = principal.key.keyId;
  if (!user) throw forbidden("admin calls need a key that belongs to a user with an admin role");
  if (user.userRole === policy.UserRole.PROXY_ADMIN) return { role: "admin", id: user.userId, keyId };
  if (user.userRole === policy.UserRole.PROXY_ADMIN_VIEWER) return { role: "viewer", id: user.userId, keyId };
  const teams = adminTeams(state, user.userId);
  if (teams.size === 0) throw forbidden("admin calls need a key that belongs to a user with an admin role");
  return { role: "team_admin", id: user.userId, keyId, teams };
}

/** Refuses anyone but the master key and proxy admins. */
export function requireAdmin(caller: Caller): void {
  if (caller.role !== "admin") throw forbidden("this call needs a proxy admin");
}

/** Refuses anyone but proxy admins and viewers. */
export function requireReader(caller: Caller): void {
  if (caller.role === "team_admin") throw forbidden("this call needs a proxy admin or viewer");
}

/** Whether the caller may read everything about `teamId`. */
export function canReadTeam(caller: Caller, teamId: string): boolean {
  return caller.role !== "team_admin" || caller.teams.has(teamId);
}

/** Refuses anyone but proxy admins and the admins of `teamId` (keys and members of that team). */
export function requireTeamManager(caller: Caller, teamId: string): void {
  if (caller.role === "admin") return;
  if (caller.role === "team_admin" && teamId !== "" && caller.teams.has(teamId)) return;
  throw forbidden(
    caller.role === "viewer" ? "a proxy admin viewer can only read" : "team admins manage their own teams only",
  );
}

/**
 * Whether a team admin may act for `userId` (own a key it mints or manages, join one of its teams): only when the
 * user's authority does not exceed the caller's. A user with a gateway role (proxy admin, viewer) or who administers
 * a team the caller does not is out of reach, since a key carries its user's authority: minting, regenerating or
 * reassigning such a key would hand the team admin powers it does not have.
 */
export function withinReach(state: PolicyState, caller: Caller, userId: string): boolean {
  if (caller.role === "admin") return true;
  if (caller.role !== "team_admin") return false;
  if (userId === "") return true;
  const user = state.get("users", userId);
  if (!user) return true;
  if (user.userRole === policy.UserRole.PROXY_ADMIN || user.userRole === policy.UserRole.PROXY_ADMIN_VIEWER) {
    return false;
  }
  for (const teamId of adminTeams(state, userId)) if (!caller.teams.has(teamId)) return false;
  return true;
}
