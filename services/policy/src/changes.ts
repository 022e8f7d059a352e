// Applies the admin API's *Changes messages to records: pure functions of the current record, the change and the
// clock. Every field is validated here; who may make a change is decided by the caller (access.ts).

import { clone, create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { addDuration } from "./duration.js";
import {
  BOUNDS,
  checkAmount,
  checkClear,
  checkCount,
  checkDuration,
  checkId,
  checkMetadata,
  checkModels,
  checkText,
} from "./validate.js";

/** The names of Limits fields a `clear` list may name. */
export const LIMIT_CLEARS = [
  "max_budget",
  "soft_budget",
  "budget_duration",
  "rpm_limit",
  "tpm_limit",
  "max_parallel_requests",
] as const;

const KEY_CLEARS: ReadonlySet<string> = new Set([...LIMIT_CLEARS, "expires", "team_id", "user_id", "key_alias"]);
const TEAM_CLEARS: ReadonlySet<string> = new Set([...LIMIT_CLEARS, "team_alias"]);
const USER_CLEARS: ReadonlySet<string> = new Set([...LIMIT_CLEARS, "user_email"]);
const CUSTOMER_CLEARS: ReadonlySet<string> = new Set([...LIMIT_CLEARS, "alias"]);
const USER_ROLES: ReadonlySet<policy.UserRole> = new Set([
  policy.UserRole.INTERNAL_USER,
  policy.UserRole.PROXY_ADMIN_VIEWER,
  policy.UserRole.PROXY_ADMIN,
]);

/** A record with limits and a budget window. */
interface Budgeted {
  limits?: policy.Limits | undefined;
  budgetResetAtMs: bigint;
}

/** Refuses a field that a change both sets and clears. */
function once(clear: ReadonlySet<string>, name: string, isSet: boolean, at: string): boolean {
  if (isSet && clear.has(name)) throw invalidRequest(`${at}.clear: "${name}" is both set and cleared`, `${at}.clear`);
  return isSet;
}

/**
 * Applies limit changes and clears to `target`. A soft budget above the max budget is refused (it could never be
 * reported before requests are refused). The budget window restarts from now whenever budget_duration is set, and
 * ends when it is cleared.
 */
function applyLimits(target: Budgeted, change: policy.Limits | undefined, clear: Set<string>, at: string, now: number) {
  const cur = target.limits;
  const next = create(policy.LimitsSchema, {
    maxBudgetNanos: clear.has("max_budget") ? undefined : cur?.maxBudgetNanos,
    softBudgetNanos: clear.has("soft_budget") ? undefined : cur?.softBudgetNanos,
    budgetDuration: clear.has("budget_duration") ? "" : (cur?.budgetDuration ?? ""),
    rpmLimit: clear.has("rpm_limit") ? undefined : cur?.rpmLimit,
    tpmLimit: clear.has("tpm_limit") ? undefined : cur?.tpmLimit,
    maxParallelRequests: clear.has("max_parallel_requests") ? undefined : cur?.maxParallelRequests,
  });
  const field = `${at}.limits`;
  if (once(clear, "max_budget", change?.maxBudgetNanos !== undefined, at)) next.maxBudgetNanos = change?.maxBudgetNanos;
  if (once(clear, "soft_budget", change?.softBudgetNanos !== undefined, at)) {
    next.softBudgetNanos = change?.softBudgetNanos;
  }
  if (once(clear, "rpm_limit", change?.rpmLimit !== undefined, at)) next.rpmLimit = change?.rpmLimit;
  if (once(clear, "tpm_limit", change?.tpmLimit !== undefined, at)) next.tpmLimit = change?.tpmLimit;
  if (once(clear, "max_parallel_requests", change?.maxParallelRequests !== undefined, at)) {
    next.maxParallelRequests = change?.maxParallelRequests;
  }
  const newDuration = change?.budgetDuration ?? "";
  if (once(clear, "budget_duration", newDuration !== "", at)) {
    next.budgetDuration = checkDuration(newDuration, `${field}.budget_duration`);
  }
  checkAmount(next.maxBudgetNanos, `${field}.max_budget_nanos`);
  checkAmount(next.softBudgetNanos, `${field}.soft_budget_nanos`);
  checkAmount(next.tpmLimit, `${field}.tpm_limit`);
  const { softBudgetNanos: soft, maxBudgetNanos: max } = next;
  if (soft !== undefined && max !== undefined && soft > max) {
    throw invalidRequest(`${field}.soft_budget_nanos: expected at most max_budget_nanos`, `${field}.soft_budget_nanos`);
  }
  target.limits = next;
  if (next.budgetDuration === "") target.budgetResetAtMs = 0n;
  else if (newDuration !== "" || target.budgetResetAtMs === 0n) {
    target.budgetResetAtMs = BigInt(addDuration(now, next.budgetDuration));
  }
}

/** A replacement model list: on create any given list, on update only with set_models. */
function nextModels(current: string[], models: string[], setModels: boolean, creating: boolean, field: string) {
  if (setModels || (creating && models.length > 0)) return checkModels(models, field);
  if (models.length > 0) throw invalidRequest(`${field}: expected set_models to replace the list`, field);
  return current;
}

/** Applies key changes to `base` (an empty key when creating); team and user ids are checked for form only. */
export function applyKeyChanges(
  base: policy.Key,
  changes: policy.KeyChanges | undefined,
  at: string,
  now: number,
  creating = false,
): policy.Key {
  const c = changes ?? create(policy.KeyChangesSchema);
  const clear = checkClear(c.clear, KEY_CLEARS, `${at}.clear`);
  const next = clone(policy.KeySchema, base);
  if (clear.has("key_alias")) next.keyAlias = "";
  if (once(clear, "key_alias", c.keyAlias !== undefined, at)) next.keyAlias = checkText(c.keyAlias!, `${at}.key_alias`);
  next.models = nextModels(next.models, c.models, c.setModels, creating, `${at}.models`);
  applyLimits(next, c.limits, clear, at, now);
  if (clear.has("expires")) next.expiresAtMs = 0n;
  if (once(clear, "expires", c.duration !== "", at)) {
    next.expiresAtMs = BigInt(addDuration(now, checkDuration(c.duration, `${at}.duration`)));
  }
  if (clear.has("team_id")) next.teamId = "";
  if (once(clear, "team_id", c.teamId !== undefined, at)) next.teamId = checkId(c.teamId!, `${at}.team_id`);
  if (clear.has("user_id")) next.userId = "";
  if (once(clear, "user_id", c.userId !== undefined, at)) next.userId = checkId(c.userId!, `${at}.user_id`);
  if (c.metadataJson !== undefined) next.metadataJson = checkMetadata(c.metadataJson, `${at}.metadata_json`);
  if (c.blocked !== undefined) next.blocked = c.blocked;
  next.updatedAtMs = BigInt(now);
  return next;
}

/** Applies team changes to `base` (an empty team when creating). */
export function applyTeamChanges(
  base: policy.Team,
  changes: policy.TeamChanges | undefined,
  at: string,
  now: number,
  creating = false,
): policy.Team {
  const c = changes ?? create(policy.TeamChangesSchema);
  const clear = checkClear(c.clear, TEAM_CLEARS, `${at}.clear`);
  const next = clone(policy.TeamSchema, base);
  if (clear.has("team_alias")) next.teamAlias = "";
  if (once(clear, "team_alias", c.teamAlias !== undefined, at)) {
    next.teamAlias = checkText(c.teamAlias!, `${at}.team_alias`);
  }
  next.models = nextModels(next.models, c.models, c.setModels, creating, `${at}.models`);
  applyLimits(next, c.limits, clear, at, now);
  if (c.metadataJson !== undefined) next.metadataJson = checkMetadata(c.metadataJson, `${at}.metadata_json`);
  if (c.blocked !== undefined) next.blocked = c.blocked;
  next.updatedAtMs = BigInt(now);
  return next;
}

/** Applies user changes to `base` (an internal user when creating); whether a role may be set is the caller's call. */
export function applyUserChanges(
  base: policy.User,
  changes: policy.UserChanges | undefined,
  at: string,
  now: number,
  creating = false,
): policy.User {
  const c = changes ?? create(policy.UserChangesSchema);
  const clear = checkClear(c.clear, USER_CLEARS, `${at}.clear`);
  const next = clone(policy.UserSchema, base);
  if (clear.has("user_email")) next.userEmail = "";
  if (once(clear, "user_email", c.userEmail !== undefined, at)) {
    next.userEmail = checkText(c.userEmail!, `${at}.user_email`);
  }
  if (c.userRole !== undefined) {
    if (!USER_ROLES.has(c.userRole)) throw invalidRequest(`${at}.user_role: expected a known role`, `${at}.user_role`);
    next.userRole = c.userRole;
  }
  next.models = nextModels(next.models, c.models, c.setModels, creating, `${at}.models`);
  applyLimits(next, c.limits, clear, at, now);
  if (c.metadataJson !== undefined) next.metadataJson = checkMetadata(c.metadataJson, `${at}.metadata_json`);
  if (c.blocked !== undefined) next.blocked = c.blocked;
  next.updatedAtMs = BigInt(now);
  return next;
}

/** Applies customer changes to `base` (an empty customer when creating). */
export function applyCustomerChanges(
  base: policy.Customer,
  changes: policy.CustomerChanges | undefined,
  at: string,
  now: number,
): policy.Customer {
  const c = changes ?? create(policy.CustomerChangesSchema);
  const clear = checkClear(c.clear, CUSTOMER_CLEARS, `${at}.clear`);
  const next = clone(policy.CustomerSchema, base);
  if (clear.has("alias")) next.alias = "";
  if (once(clear, "alias", c.alias !== undefined, at)) next.alias = checkText(c.alias!, `${at}.alias`);
  applyLimits(next, c.limits, clear, at, now);
  if (c.metadataJson !== undefined) next.metadataJson = checkMetadata(c.metadataJson, `${at}.metadata_json`);
  if (c.blocked !== undefined) next.blocked = c.blocked;
  next.updatedAtMs = BigInt(now);
  return next;
}

/** Checks team members: known ids, no duplicates, a role of user (the default) or admin. */
export function checkMembers(members: readonly policy.TeamMember[], field: string): policy.TeamMember[] {
  checkCount(members, BOUNDS.members, field);
  const seen = new Set<string>();
  return members.map((m, i) => {
    const at = `${field}[${i}]`;
    checkId(m.userId, `${at}.user_id`);
    if (seen.has(m.userId)) throw invalidRequest(`${at}.user_id: expected each user once`, `${at}.user_id`);
    seen.add(m.userId);
    const role = m.role === policy.TeamRole.UNSPECIFIED ? policy.TeamRole.USER : m.role;
    if (role !== policy.TeamRole.USER && role !== policy.TeamRole.ADMIN) {
      throw invalidRequest(`${at}.role: expected TEAM_ROLE_USER or TEAM_ROLE_ADMIN`, `${at}.role`);
    }
    return create(policy.TeamMemberSchema, {
      userId: m.userId,
      userEmail: checkText(m.userEmail, `${at}.user_email`),
      role,
    });
  });
}
