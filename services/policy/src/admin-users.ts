// Admin calls on internal users. Only proxy admins create, change or delete users (so only they can grant a role);
// proxy admins and viewers read them. A user's team ids are derived from the teams' member lists; deleting a user
// deletes its keys and its memberships, as LiteLLM's /user/delete does.

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { type Caller, requireAdmin, requireReader } from "./access.js";
import { generateKey } from "./admin-keys.js";
import { type AdminEnv, checkIds, idFor, notFound, presentUser } from "./admin-kit.js";
import { withMembers, withoutMembers } from "./admin-teams.js";
import { applyUserChanges } from "./changes.js";
import { checkId, checkPage } from "./validate.js";

/** Most teams a CreateUser call may add the new user to. */
const MAX_USER_TEAMS = 100;

/** CreateUser: a new user, added to `team_ids` as a plain member, and a key for it when asked. */
export async function createUser(env: AdminEnv, caller: Caller, req: policy.CreateUserRequest) {
  requireAdmin(caller);
  const now = env.now();
  const userId = idFor(req.userId, "user", "user_id");
  const base = create(policy.UserSchema, {
    userId,
    userRole: policy.UserRole.INTERNAL_USER,
    createdAtMs: BigInt(now),
  });
  const user = applyUserChanges(base, req.user, "user", now, true);
  if (req.teamIds.length > MAX_USER_TEAMS) {
    throw invalidRequest(`team_ids: expected at most ${MAX_USER_TEAMS} teams`, "team_ids");
  }
  const teamIds = req.teamIds.length === 0 ? [] : checkIds(req.teamIds, "team_ids");
  teamIds.forEach((id, i) => {
    if (!env.state.get("teams", id)) throw invalidRequest(`team_ids[${i}]: unknown team`, `team_ids[${i}]`);
  });
  await env.store.mutate("users", userId, (current) => {
    if (current) throw invalidRequest("user_id: user already exists", "user_id");
    return user;
  });
  const member = create(policy.TeamMemberSchema, { userId, userEmail: user.userEmail, role: policy.TeamRole.USER });
  for (const teamId of teamIds) {
    await env.store.mutate("teams", teamId, (current) => {
      if (!current || current.members.some((m) => m.userId === userId)) return current;
      return withMembers(current, [member], env.now());
    });
  }
  const res = create(policy.CreateUserResponseSchema, { user: presentUser(env.state, user) });
  if (req.autoCreateKey) {
    const generated = await generateKey(env, caller, create(policy.KeyChangesSchema, { userId }));
    res.key = generated.key;
    res.keySecret = generated.secret;
  }
  return res;
}

/** UpdateUser: changes a user, its role included. */
export async function updateUser(env: AdminEnv, caller: Caller, req: policy.UpdateUserRequest) {
  requireAdmin(caller);
  const userId = checkId(req.userId, "user_id");
  const user = await env.store.mutate("users", userId, (current) => {
    if (!current) throw notFound("user", "user_id");
    return applyUserChanges(current, req.changes, "changes", env.now());
  });
  return create(policy.UpdateUserResponseSchema, { user: presentUser(env.state, user!) });
}

/** DeleteUsers: deletes users, then their keys and team memberships; the user goes first, so its keys stop at once. */
export async function deleteUsers(env: AdminEnv, caller: Caller, req: policy.DeleteUsersRequest) {
  requireAdmin(caller);
  const ids = checkIds(req.userIds, "user_ids");
  ids.forEach((id, i) => {
    if (!env.state.get("users", id)) throw notFound(`user at user_ids[${i}]`, `user_ids[${i}]`);
  });
  for (const userId of ids) {
    const teams = env.state.teamsOfUser(userId);
    await env.store.mutate("users", userId, () => null);
    for (const keyId of env.state.keysOfUser(userId)) {
      await env.store.mutate("keys", keyId, (current) => (current?.key.userId === userId ? null : current));
    }
    const gone = new Set([userId]);
    for (const teamId of teams) {
      await env.store.mutate("teams", teamId, (current) =>
        current?.members.some((m) => m.userId === userId) ? withoutMembers(current, gone, env.now()) : current,
      );
    }
  }
  return create(policy.DeleteUsersResponseSchema, { deletedUserIds: ids });
}

/** GetUser: one user, for proxy admins and viewers. */
export function getUser(env: AdminEnv, caller: Caller, req: policy.GetUserRequest) {
  requireReader(caller);
  const user = env.state.get("users", checkId(req.userId, "user_id"));
  if (!user) throw notFound("user", "user_id");
  return create(policy.GetUserResponseSchema, { user: presentUser(env.state, user) });
}

/** ListUsers: users filtered by team and role, by id, one page. */
export function listUsers(env: AdminEnv, caller: Caller, req: policy.ListUsersRequest) {
  requireReader(caller);
  const { size, page } = checkPage(req.pageSize, req.page);
  if (req.teamId !== "") checkId(req.teamId, "team_id");
  const members =
    req.teamId === "" ? undefined : new Set(env.state.get("teams", req.teamId)?.members.map((m) => m.userId) ?? []);
  const users = [...env.state.values("users")]
    .filter((u) => (!members || members.has(u.userId)) && (req.role === 0 || u.userRole === req.role))
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  return create(policy.ListUsersResponseSchema, {
    users: users.slice((page - 1) * size, page * size).map((u) => presentUser(env.state, u)),
    totalCount: users.length,
  });
}
