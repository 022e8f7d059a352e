// LiteLLM's internal-user routes over the policy's user calls:
//
//   POST /user/new     {user_id?, user_email, user_role, models, max_budget, ..., metadata, blocked, teams,
//                       auto_create_key (default true, as LiteLLM: the answer then carries the new key)}
//   POST /user/update  {user_id, ...the same fields but teams; null clears a limit or user_email}
//   POST /user/delete  {user_ids: [...]}   (deletes the users' keys and memberships too, as LiteLLM does)
//   GET  /user/info?user_id=   (no user_id: the user of the caller's key)
//   GET  /user/list?page&page_size&role&team_id
//
// user_role is "proxy_admin", "proxy_admin_viewer" or "internal_user".

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import type { AdminRoute } from "./admin.js";
import {
  clearable,
  type FieldReader,
  pageParam,
  readLimits,
  readMetadata,
  requiredText,
  requiredTexts,
} from "./admin-fields.js";
import { renderKey, renderTeam, renderUser, USER_ROLES } from "./admin-render.js";

const m = policy.PolicyAdminService.method;

/** LiteLLM user fields Switchyard accepts only with their default value. */
const IGNORED = [
  "spend",
  "user_alias",
  "aliases",
  "config",
  "permissions",
  "model_max_budget",
  "model_rpm_limit",
  "model_tpm_limit",
  "allowed_cache_controls",
  "guardrails",
  "policies",
  "prompts",
  "object_permission",
  "organizations",
  "sso_user_id",
  "password",
];

/** LiteLLM's default page size of /user/list. */
const DEFAULT_PAGE_SIZE = 25n;
/** The most keys /user/info lists (the policy's largest page). */
const USER_INFO_KEYS = 1000;

/** Reads `user_role` as the policy's role. */
function readRole(r: FieldReader, name: string): policy.UserRole | undefined {
  const role = r.text(name);
  if (role === undefined || role === null) return undefined;
  if (!Object.hasOwn(USER_ROLES, role)) {
    throw invalidRequest(`${name}: expected one of ${Object.keys(USER_ROLES).join(", ")}`, name);
  }
  return USER_ROLES[role];
}

/** Reads LiteLLM's user fields as UserChanges; on updates, null clears what can be cleared. */
export function readUserChanges(r: FieldReader, updating: boolean): policy.UserChanges {
  const { limits, clear } = readLimits(r, updating);
  const models = r.texts("models");
  const changes = create(policy.UserChangesSchema, {
    userEmail: clearable(r.text("user_email"), "user_email", updating, clear),
    userRole: readRole(r, "user_role"),
    models: models ?? [],
    setModels: Array.isArray(models),
    limits,
    metadataJson: readMetadata(r),
    blocked: r.flag("blocked") ?? undefined,
    clear,
  });
  r.ignoreDefaults(IGNORED);
  return changes;
}

/** Reads `teams` (team ids, or LiteLLM's {team_id, user_role: "user"} objects) and the single `team_id`. */
function readTeams(r: FieldReader): string[] {
  const teams = (r.list("teams") ?? []).map((team, i) => {
    if (typeof team === "string") return team;
    const at = `teams[${i}]`;
    const entry = (typeof team === "object" && team !== null ? team : {}) as Record<string, unknown>;
    const extra = Object.keys(entry).find((k) => k !== "team_id" && k !== "user_role");
    if (typeof entry["team_id"] !== "string" || extra !== undefined) {
      throw invalidRequest(`${at}: expected a team id or {team_id, user_role}`, at);
    }
    if ((entry["user_role"] ?? "user") !== "user") {
      throw invalidRequest(`${at}.user_role: new users join as "user"; make admins with /team/member_add`, at);
    }
    return entry["team_id"];
  });
  const single = r.text("team_id");
  return single ? [...teams, single] : teams;
}

/** The user routes by path. */
export const USER_ROUTES: Readonly<Record<string, AdminRoute>> = {
  "/user/new": {
    method: "POST",
    async handler(c) {
      const userId = c.fields.text("user_id") ?? "";
      const teamIds = readTeams(c.fields);
      const autoCreateKey = c.fields.flag("auto_create_key") ?? true;
      const user = readUserChanges(c.fields, false);
      const res = await c.call(m.createUser, { userId, user, teamIds, autoCreateKey });
      const key = res.key ? { key_id: res.key.keyId, token_id: res.key.keyId, key_name: res.key.keyName } : {};
      return { ...renderUser(res.user!), key: res.keySecret || null, ...key };
    },
  },
  "/user/update": {
    method: "POST",
    async handler(c) {
      const userId = requiredText(c.fields, "user_id");
      const res = await c.call(m.updateUser, { userId, changes: readUserChanges(c.fields, true) });
      return { user_id: res.user!.userId, data: renderUser(res.user!) };
    },
  },
  "/user/delete": {
    method: "POST",
    async handler(c) {
      const res = await c.call(m.deleteUsers, { userIds: requiredTexts(c.fields, "user_ids") });
      return { deleted_users: res.deletedUserIds };
    },
  },
  "/user/info": {
    method: "GET",
    async handler(c) {
      const userId = c.fields.text("user_id") || c.caller.userId;
      if (!userId) throw invalidRequest("user_id: required (the calling key has no user)", "user_id");
      const res = await c.call(m.getUser, { userId });
      const keys = await c.call(m.listKeys, { userId, pageSize: USER_INFO_KEYS });
      const teams = await c.call(m.listTeams, { userId });
      return {
        user_id: userId,
        user_info: renderUser(res.user!),
        keys: keys.keys.map(renderKey),
        teams: teams.teams.map(renderTeam),
      };
    },
  },
  "/user/list": {
    method: "GET",
    async handler(c) {
      const r = c.fields;
      const page = pageParam(r, "page", 1n);
      const pageSize = pageParam(r, "page_size", DEFAULT_PAGE_SIZE);
      const role = readRole(r, "role") ?? policy.UserRole.UNSPECIFIED;
      const res = await c.call(m.listUsers, { page, pageSize, role, teamId: r.text("team_id") ?? "" });
      return {
        users: res.users.map(renderUser),
        total: res.totalCount,
        page,
        page_size: pageSize,
        total_pages: Math.ceil(res.totalCount / pageSize),
      };
    },
  },
};
