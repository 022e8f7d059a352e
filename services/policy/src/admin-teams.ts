// Admin calls on teams. Proxy admins create, change and delete teams; a team admin reads its own teams and adds or
// removes their members; viewers read every team. Deleting a team deletes its keys, as LiteLLM's /team/delete does.

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { type Caller, canReadTeam, forbidden, requireAdmin, requireTeamManager, withinReach } from "./access.js";
import { type AdminEnv, checkIds, idFor, notFound } from "./admin-kit.js";
import { applyTeamChanges, checkMembers } from "./changes.js";
import { BOUNDS, checkId } from "./validate.js";

/**
 * Checks that every member is a known user and, for a team admin, within its reach: a team admin cannot bring in a
 * user with more authority than its own and then mint that user's keys.
 */
function checkUsersExist(env: AdminEnv, caller: Caller, members: readonly policy.TeamMember[], field: string): void {
  members.forEach((m, i) => {
    const at = `${field}[${i}].user_id`;
    if (!env.state.get("users", m.userId)) throw invalidRequest(`${at}: unknown user`, at);
    if (!withinReach(env.state, caller, m.userId)) {
      throw forbidden(`${at}: team admins may not add users with more authority than their own`);
    }
  });
}

/** Adds or updates `members` of `team` (a member listed again gets the new role and e-mail). */
export function withMembers(team: policy.Team, members: readonly policy.TeamMember[], now: number): policy.Team {
  const byUser = new Map(team.members.map((m) => [m.userId, m]));
  for (const m of members) byUser.set(m.userId, m);
  if (byUser.size > BOUNDS.members) {
    throw invalidRequest(`members: expected a team of at most ${BOUNDS.members} members`, "members");
  }
  return { ...team, members: [...byUser.values()], updatedAtMs: BigInt(now) };
}

/** Removes the members named in `userIds` from `team`. */
export function withoutMembers(team: policy.Team, userIds: ReadonlySet<string>, now: number): policy.Team {
  return { ...team, members: team.members.filter((m) => !userIds.has(m.userId)), updatedAtMs: BigInt(now) };
}

/** CreateTeam: a new team with its members. */
export async function createTeam(env: AdminEnv, caller: Caller, req: policy.CreateTeamRequest) {
  requireAdmin(caller);
  const now = env.now();
  const teamId = idFor(req.teamId, "team", "team_id");
  const base = create(policy.TeamSchema, { teamId, createdAtMs: BigInt(now) });
  const team = applyTeamChanges(base, req.team, "team", now, true);
  team.members = checkMembers(req.members, "members");
  checkUsersExist(env, caller, team.members, "members");
  await env.store.mutate("teams", teamId, (current) => {
    if (current) throw invalidRequest("team_id: team already exists", "team_id");
    return team;
  });
  return create(policy.CreateTeamResponseSchema, { team });
}

/** UpdateTeam: changes a team's alias, models, limits, metadata or blocked flag. */
export async function updateTeam(env: AdminEnv, caller: Caller, req: policy.UpdateTeamRequest) {
  requireAdmin(caller);
  const teamId = checkId(req.teamId, "team_id");
  const team = await env.store.mutate("teams", teamId, (current) => {
    if (!current) throw notFound("team", "team_id");
    return applyTeamChanges(current, req.changes, "changes", env.now());
  });
  return create(policy.UpdateTeamResponseSchema, { team: team! });
}

/**
 * DeleteTeams: deletes teams and then their keys. The team goes first, so its keys stop authorizing at once (a key
 * whose team is gone is refused) even before they are deleted.
 */
export async function deleteTeams(env: AdminEnv, caller: Caller, req: policy.DeleteTeamsRequest) {
  requireAdmin(caller);
  const ids = checkIds(req.teamIds, "team_ids");
  ids.forEach((id, i) => {
    if (!env.state.get("teams", id)) throw notFound(`team at team_ids[${i}]`, `team_ids[${i}]`);
  });
  for (const teamId of ids) {
    await env.store.mutate("teams", teamId, () => null);
    for (const keyId of env.state.keysOfTeam(teamId)) {
      await env.store.mutate("keys", keyId, (current) => (current?.key.teamId === teamId ? null : current));
    }
  }
  return create(policy.DeleteTeamsResponseSchema, { deletedTeamIds: ids });
}

/** GetTeam: a team the caller may read. */
export function getTeam(env: AdminEnv, caller: Caller, req: policy.GetTeamRequest) {
  const teamId = checkId(req.teamId, "team_id");
  if (!canReadTeam(caller, teamId)) throw forbidden("team admins read their own teams only");
  const team = env.state.get("teams", teamId);
  if (!team) throw notFound("team", "team_id");
  return create(policy.GetTeamResponseSchema, { team });
}

/** ListTeams: the teams the caller may read, optionally those of one user, by id. */
export function listTeams(env: AdminEnv, caller: Caller, req: policy.ListTeamsRequest) {
  if (req.userId !== "") checkId(req.userId, "user_id");
  const ids = req.userId === "" ? undefined : new Set(env.state.teamsOfUser(req.userId));
  const teams = [...env.state.values("teams")]
    .filter((t) => canReadTeam(caller, t.teamId) && (!ids || ids.has(t.teamId)))
    .sort((a, b) => (a.teamId < b.teamId ? -1 : a.teamId > b.teamId ? 1 : 0));
  return create(policy.ListTeamsResponseSchema, { teams });
}

/** AddTeamMembers: adds known users to a team the caller manages (or changes their role). */
export async function addTeamMembers(env: AdminEnv, caller: Caller, req: policy.AddTeamMembersRequest) {
  const teamId = checkId(req.teamId, "team_id");
  requireTeamManager(caller, teamId);
  const members = checkMembers(req.members, "members");
  if (members.length === 0) throw invalidRequest("members: expected at least one member", "members");
  checkUsersExist(env, caller, members, "members");
  const team = await env.store.mutate("teams", teamId, (current) => {
    if (!current) throw notFound("team", "team_id");
    return withMembers(current, members, env.now());
  });
  return create(policy.AddTeamMembersResponseSchema, { team: team! });
}

/** RemoveTeamMembers: removes users from a team the caller manages. */
export async function removeTeamMembers(env: AdminEnv, caller: Caller, req: policy.RemoveTeamMembersRequest) {
  const teamId = checkId(req.teamId, "team_id");
  requireTeamManager(caller, teamId);
  const userIds = new Set(checkIds(req.userIds, "user_ids"));
  const team = await env.store.mutate("teams", teamId, (current) => {
    if (!current) throw notFound("team", "team_id");
    return withoutMembers(current, userIds, env.now());
  });
  return create(policy.RemoveTeamMembersResponseSchema, { team: team! });
}
