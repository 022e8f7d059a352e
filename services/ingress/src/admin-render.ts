// Policy records as LiteLLM's JSON: snake_case fields, money in float dollars beside an exact `*_nanos` string,
// timestamps as ISO 8601 (null when unset), metadata as an object. Never a secret or a hash: the policy sends
// none but in GenerateKey and RegenerateKey, whose secrets the key routes add themselves.

import { policy } from "@switchyard/proto";
import { moneyFields } from "./admin-money.js";

/** LiteLLM's user roles and the policy's, both ways. */
export const USER_ROLES: Readonly<Record<string, policy.UserRole>> = {
  internal_user: policy.UserRole.INTERNAL_USER,
  proxy_admin_viewer: policy.UserRole.PROXY_ADMIN_VIEWER,
  proxy_admin: policy.UserRole.PROXY_ADMIN,
};

/** LiteLLM's team roles and the policy's. */
export const TEAM_ROLES: Readonly<Record<string, policy.TeamRole>> = {
  user: policy.TeamRole.USER,
  admin: policy.TeamRole.ADMIN,
};

function nameOf<T>(table: Readonly<Record<string, T>>, value: T): string | null {
  return Object.keys(table).find((name) => table[name] === value) ?? null;
}

/** Unix ms as ISO 8601, null for 0 (unset). */
export function isoTime(ms: bigint): string | null {
  return ms === 0n ? null : new Date(Number(ms)).toISOString();
}

/** A count as a JSON number, or as a string past 2^53 (where a number would lose digits). */
function countOf(value: bigint | number | undefined): number | string | null {
  if (value === undefined) return null;
  return typeof value === "number" || value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** The stored metadata JSON as an object. */
function metadataOf(json: string): unknown {
  return json === "" ? {} : JSON.parse(json);
}

function orNull(text: string): string | null {
  return text === "" ? null : text;
}

/** Limits and spend as LiteLLM's flat fields. */
export function renderLimits(
  limits: policy.Limits | undefined,
  budgetResetAtMs: bigint,
  spendNanos: bigint,
): Record<string, unknown> {
  return {
    ...moneyFields("max_budget", limits?.maxBudgetNanos),
    ...moneyFields("soft_budget", limits?.softBudgetNanos),
    budget_duration: orNull(limits?.budgetDuration ?? ""),
    budget_reset_at: isoTime(budgetResetAtMs),
    rpm_limit: countOf(limits?.rpmLimit),
    tpm_limit: countOf(limits?.tpmLimit),
    max_parallel_requests: countOf(limits?.maxParallelRequests),
    ...moneyFields("spend", spendNanos),
  };
}

/** A key as LiteLLM's key info; `token` and `key_id` are the key's public id (LiteLLM's token is a hash). */
export function renderKey(key: policy.Key): Record<string, unknown> {
  return {
    key_id: key.keyId,
    token: key.keyId,
    key_name: key.keyName,
    key_alias: orNull(key.keyAlias),
    models: key.models,
    ...renderLimits(key.limits, key.budgetResetAtMs, key.spendNanos),
    expires: isoTime(key.expiresAtMs),
    team_id: orNull(key.teamId),
    user_id: orNull(key.userId),
    metadata: metadataOf(key.metadataJson),
    blocked: key.blocked,
    created_at: isoTime(key.createdAtMs),
    updated_at: isoTime(key.updatedAtMs),
    created_by: orNull(key.createdBy),
  };
}

/** A key with its secret, as LiteLLM's /key/generate and /key/regenerate answer (no `token`, whose LiteLLM meaning differs). */
export function renderNewKey(key: policy.Key, secret: string): Record<string, unknown> {
  const { token: _token, ...info } = renderKey(key);
  return { key: secret, token_id: key.keyId, ...info };
}

/** A team member as LiteLLM's `members_with_roles` entry. */
export function renderMember(member: policy.TeamMember): Record<string, unknown> {
  return {
    user_id: member.userId,
    user_email: orNull(member.userEmail),
    role: nameOf(TEAM_ROLES, member.role) ?? "user",
  };
}

/** A team as LiteLLM's team row. */
export function renderTeam(team: policy.Team): Record<string, unknown> {
  return {
    team_id: team.teamId,
    team_alias: orNull(team.teamAlias),
    models: team.models,
    ...renderLimits(team.limits, team.budgetResetAtMs, team.spendNanos),
    members_with_roles: team.members.map(renderMember),
    metadata: metadataOf(team.metadataJson),
    blocked: team.blocked,
    created_at: isoTime(team.createdAtMs),
    updated_at: isoTime(team.updatedAtMs),
  };
}

/** A user as LiteLLM's user row; `teams` lists team ids. */
export function renderUser(user: policy.User): Record<string, unknown> {
  return {
    user_id: user.userId,
    user_email: orNull(user.userEmail),
    user_role: nameOf(USER_ROLES, user.userRole),
    models: user.models,
    ...renderLimits(user.limits, user.budgetResetAtMs, user.spendNanos),
    teams: user.teamIds,
    metadata: metadataOf(user.metadataJson),
    blocked: user.blocked,
    created_at: isoTime(user.createdAtMs),
    updated_at: isoTime(user.updatedAtMs),
  };
}

/** A customer as LiteLLM's end-user row: limits under `litellm_budget_table`, spend beside them. */
export function renderCustomer(customer: policy.Customer): Record<string, unknown> {
  const { spend, spend_nanos, ...budget } = renderLimits(
    customer.limits,
    customer.budgetResetAtMs,
    customer.spendNanos,
  );
  return {
    user_id: customer.userId,
    alias: orNull(customer.alias),
    blocked: customer.blocked,
    spend,
    spend_nanos,
    litellm_budget_table: budget,
    metadata: metadataOf(customer.metadataJson),
    created_at: isoTime(customer.createdAtMs),
    updated_at: isoTime(customer.updatedAtMs),
  };
}
