// LiteLLM's team routes over the policy's team calls:
//
//   POST /team/new            {team_id?, team_alias, models, max_budget, ..., metadata, blocked, members_with_roles}
//   POST /team/update         {team_id, ...the same fields but members; null clears a limit or team_alias}
//   POST /team/delete         {team_ids: [...]}   (deletes the teams' keys too, as LiteLLM does)
//   GET  /team/info?team_id=
//   GET  /team/list?user_id=
//   POST /team/member_add     {team_id, member: {user_id, user_email?, role: "admin"|"user"} or a list of them}
//   POST /team/member_delete  {team_id, user_id}

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import type { AdminRoute } from "./admin.js";
import type { Fields } from "./admin-body.js";
import {
  clearable,
  type FieldReader,
  fieldReader,
  readLimits,
  readMetadata,
  requiredText,
  requiredTexts,
} from "./admin-fields.js";
import { renderKey, renderTeam, TEAM_ROLES } from "./admin-render.js";

const m = policy.PolicyAdminService.method;

/** LiteLLM team fields Switchyard accepts only with their default value. */
const IGNORED = [
  "spend",
  "organization_id",
  "admins",
  "members",
  "team_member_permissions",
  "tags",
  "model_aliases",
  "guardrails",
  "policies",
  "prompts",
  "object_permission",
  "allowed_passthrough_routes",
  "secret_manager_settings",
  "model_rpm_limit",
  "model_tpm_limit",
  "rpm_limit_type",
  "tpm_limit_type",
  "team_member_budget",
  "team_member_budget_duration",
  "team_member_rpm_limit",
  "team_member_tpm_limit",
  "team_member_key_duration",
  "allowed_vector_store_indexes",
  "enforced_batch_output_expires_after",
  "enforced_file_expires_after",
  "router_settings",
  "access_group_ids",
];

/** The most keys /team/info lists (the policy's largest page). */
const TEAM_INFO_KEYS = 1000;

/** Reads LiteLLM's team fields as TeamChanges; on updates, null clears what can be cleared. */
export function readTeamChanges(r: FieldReader, updating: boolean): policy.TeamChanges {
  const { limits, clear } = readLimits(r, updating);
  const models = r.texts("models");
  const changes = create(policy.TeamChangesSchema, {
    teamAlias: clearable(r.text("team_alias"), "team_alias", updating, clear),
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

/** Reads one LiteLLM `Member` ({user_id, user_email?, role}) as a TeamMember. */
export function readMember(value: unknown, where: string): policy.TeamMember {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidRequest(`${where}: expected a member object`, where);
  }
  const r = fieldReader(value as Fields, where);
  const userId = r.text("user_id");
  if (!userId) throw invalidRequest(`${where}.user_id: required (members are named by user id)`, `${where}.user_id`);
  const role = r.text("role");
  if (!role || !Object.hasOwn(TEAM_ROLES, role)) {
    throw invalidRequest(`${where}.role: expected "admin" or "user"`, `${where}.role`);
  }
  const member = create(policy.TeamMemberSchema, {
    userId,
    userEmail: r.text("user_email") ?? "",
    role: TEAM_ROLES[role],
  });
  r.done();
  return member;
}

/** Reads a list of members or, where `single` allows (as /team/member_add does), one member object. */
function readMembers(r: FieldReader, name: string, single: boolean): policy.TeamMember[] {
  const value = r.raw(name);
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((item, i) => readMember(item, `${name}[${i}]`));
  if (!single) throw invalidRequest(`${name}: expected a list of members`, name);
  return [readMember(value, name)];
}

/** The team routes by path. */
export const TEAM_ROUTES: Readonly<Record<string, AdminRoute>> = {
  "/team/new": {
    method: "POST",
    async handler(c) {
      const teamId = c.fields.text("team_id") ?? "";
      const members = readMembers(c.fields, "members_with_roles", false);
      const res = await c.call(m.createTeam, { teamId, team: readTeamChanges(c.fields, false), members });
      return renderTeam(res.team!);
    },
  },
  "/team/update": {
    method: "POST",
    async handler(c) {
      const teamId = requiredText(c.fields, "team_id");
      const res = await c.call(m.updateTeam, { teamId, changes: readTeamChanges(c.fields, true) });
      return { team_id: res.team!.teamId, data: renderTeam(res.team!) };
    },
  },
  "/team/delete": {
    method: "POST",
    async handler(c) {
      const res = await c.call(m.deleteTeams, { teamIds: requiredTexts(c.fields, "team_ids") });
      return { deleted_teams: res.deletedTeamIds };
    },
  },
  "/team/info": {
    method: "GET",
    async handler(c) {
      const teamId = requiredText(c.fields, "team_id");
      const res = await c.call(m.getTeam, { teamId });
      const keys = await c.call(m.listKeys, { teamId, pageSize: TEAM_INFO_KEYS });
      return {
        team_id: teamId,
        team_info: renderTeam(res.team!),
        keys: keys.keys.map(renderKey),
        team_memberships: [],
      };
    },
  },
  "/team/list": {
    method: "GET",
    async handler(c) {
      const res = await c.call(m.listTeams, { userId: c.fields.text("user_id") ?? "" });
      return res.teams.map(renderTeam);
    },
  },
  "/team/member_add": {
    method: "POST",
    async handler(c) {
      const teamId = requiredText(c.fields, "team_id");
      const members = readMembers(c.fields, "member", true);
      c.fields.ignoreDefaults(["max_budget_in_team"]);
      const res = await c.call(m.addTeamMembers, { teamId, members });
      return renderTeam(res.team!);
    },
  },
  "/team/member_delete": {
    method: "POST",
    async handler(c) {
      const teamId = requiredText(c.fields, "team_id");
      if (c.fields.text("user_email")) {
        throw invalidRequest("user_email: members are removed by user_id", "user_email");
      }
      const res = await c.call(m.removeTeamMembers, { teamId, userIds: [requiredText(c.fields, "user_id")] });
      return renderTeam(res.team!);
    },
  },
};
