// Admin calls on virtual keys. Proxy admins manage every key; a team admin manages the keys of the teams it
// administers, may assign them only to those teams and to their members, and may not raise a key's limits above its
// team's. The secret is in the GenerateKey and RegenerateKey responses only, and stored only as its HMAC.

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { type Caller, forbidden, requireTeamManager, withinReach } from "./access.js";
import { type AdminEnv, checkIds, notFound } from "./admin-kit.js";
import { applyKeyChanges } from "./changes.js";
import { findKey, generateSecret, maskSecret, newKeyId } from "./credentials.js";
import type { StoredKey } from "./records.js";
import { BOUNDS, checkCount, checkId, checkPage, checkSecret, checkText } from "./validate.js";

type LimitField = "maxBudgetNanos" | "softBudgetNanos" | "rpmLimit" | "tpmLimit" | "maxParallelRequests";
const LIMIT_FIELDS: readonly [LimitField, string][] = [
  ["maxBudgetNanos", "max_budget_nanos"],
  ["softBudgetNanos", "soft_budget_nanos"],
  ["rpmLimit", "rpm_limit"],
  ["tpmLimit", "tpm_limit"],
  ["maxParallelRequests", "max_parallel_requests"],
];

/** The id of the key named by id or by secret; a secret is looked up by its hash and never echoed. */
function keyIdOf(env: AdminEnv, keyId: string, secret: string): string {
  if (keyId !== "" && secret !== "") throw invalidRequest("key_id: expected a key id or a secret, not both", "key_id");
  if (keyId !== "") return checkId(keyId, "key_id");
  if (secret === "") throw invalidRequest("key_id: expected a key id or a secret", "key_id");
  const stored = findKey(env.state, env.hasher, checkSecret(secret, "secret"));
  if (!stored) throw notFound("key", "secret");
  return stored.key.keyId;
}

/** Checks where a key points (team, user) and, for team admins, that nothing escapes their teams or limits. */
function checkPlacement(env: AdminEnv, caller: Caller, next: policy.Key, previous: policy.Key | undefined, at: string) {
  const team = next.teamId === "" ? undefined : env.state.get("teams", next.teamId);
  if (next.teamId !== "" && !team) throw invalidRequest(`${at}.team_id: unknown team`, `${at}.team_id`);
  if (next.userId !== "" && !env.state.get("users", next.userId)) {
    throw invalidRequest(`${at}.user_id: unknown user`, `${at}.user_id`);
  }
  if (caller.role === "admin") return;
  requireTeamManager(caller, next.teamId);
  if (!withinReach(env.state, caller, next.userId)) {
    throw forbidden("team admins may not hold keys of users with more authority than their own");
  }
  // What a proxy admin set earlier stays; what a team admin changes must fit the team.
  const sameTeam = previous?.teamId === next.teamId;
  const assigned = !sameTeam || previous?.userId !== next.userId;
  if (assigned && next.userId !== "" && !team?.members.some((m) => m.userId === next.userId)) {
    throw forbidden("team admins may assign keys only to members of their team");
  }
  for (const [field, name] of LIMIT_FIELDS) {
    const value = next.limits?.[field];
    const cap = team?.limits?.[field];
    if (value === undefined || cap === undefined || (sameTeam && value === previous?.limits?.[field])) continue;
    if (value > cap) throw forbidden(`${at}.limits.${name}: team admins cannot exceed the team's limit`);
  }
}

/** Whether the caller may see `key`: team admins see their teams' keys only. */
function visible(caller: Caller, key: policy.Key): boolean {
  return caller.role !== "team_admin" || caller.teams.has(key.teamId);
}

/**
 * Reads a key the caller may manage; NOT_FOUND when absent. A team admin may not manage the key of a user with more
 * authority than its own (regenerating it would hand over that user's powers).
 */
function managed(env: AdminEnv, caller: Caller, current: StoredKey | undefined): StoredKey {
  if (!current) throw notFound("key", "key_id");
  requireTeamManager(caller, current.key.teamId);
  if (!withinReach(env.state, caller, current.key.userId)) {
    throw forbidden("team admins may not manage keys of users with more authority than their own");
  }
  return current;
}

/** GenerateKey: a new key and its secret, shown once. */
export async function generateKey(
  env: AdminEnv,
  caller: Caller,
  changes: policy.KeyChanges | undefined,
): Promise<policy.GenerateKeyResponse> {
  const now = env.now();
  const base = create(policy.KeySchema, { keyId: newKeyId(), createdAtMs: BigInt(now), createdBy: caller.id });
  const key = applyKeyChanges(base, changes, "key", now, true);
  checkPlacement(env, caller, key, undefined, "key");
  const secret = generateSecret();
  key.keyName = maskSecret(secret);
  const stored: StoredKey = { key, hash: env.hasher.hash(secret) };
  await env.store.mutate("keys", key.keyId, (current) => {
    if (current) throw new Error("generated key id already in use");
    return stored;
  });
  return create(policy.GenerateKeyResponseSchema, { key, secret });
}

/** UpdateKey: changes a key the caller manages. */
export async function updateKey(env: AdminEnv, caller: Caller, req: policy.UpdateKeyRequest) {
  const id = keyIdOf(env, req.keyId, req.secret);
  const stored = await env.store.mutate("keys", id, (current) => {
    const { key, hash } = managed(env, caller, current);
    const next = applyKeyChanges(key, req.changes, "changes", env.now());
    checkPlacement(env, caller, next, key, "changes");
    return { key: next, hash };
  });
  return create(policy.UpdateKeyResponseSchema, { key: stored!.key });
}

/** RegenerateKey: a new secret for a key (the old one stops working at once), with optional changes. */
export async function regenerateKey(env: AdminEnv, caller: Caller, req: policy.RegenerateKeyRequest) {
  const id = keyIdOf(env, req.keyId, req.secret);
  const secret = generateSecret();
  const hash = env.hasher.hash(secret);
  const stored = await env.store.mutate("keys", id, (current) => {
    const { key } = managed(env, caller, current);
    const next = applyKeyChanges(key, req.changes, "changes", env.now());
    checkPlacement(env, caller, next, key, "changes");
    next.keyName = maskSecret(secret);
    return { key: next, hash };
  });
  return create(policy.RegenerateKeyResponseSchema, { key: stored!.key, secret });
}

/** SetKeyBlocked: blocks or unblocks a key the caller manages. */
export async function setKeyBlocked(env: AdminEnv, caller: Caller, req: policy.SetKeyBlockedRequest) {
  const id = keyIdOf(env, req.keyId, req.secret);
  const stored = await env.store.mutate("keys", id, (current) => {
    const { key, hash } = managed(env, caller, current);
    const next = applyKeyChanges(key, create(policy.KeyChangesSchema, { blocked: req.blocked }), "changes", env.now());
    return { key: next, hash };
  });
  return create(policy.SetKeyBlockedResponseSchema, { key: stored!.key });
}

/** The ids a DeleteKeys call names, every one checked to exist and to be the caller's to manage. */
function keysToDelete(env: AdminEnv, caller: Caller, req: policy.DeleteKeysRequest): string[] {
  checkCount(req.keyIds, BOUNDS.batch, "key_ids");
  checkCount(req.secrets, BOUNDS.batch, "secrets");
  checkCount(req.keyAliases, BOUNDS.batch, "key_aliases");
  const ids = req.keyIds.length > 0 ? checkIds(req.keyIds, "key_ids") : [];
  ids.forEach((id, i) => {
    if (!env.state.get("keys", id)) throw notFound(`key at key_ids[${i}]`, `key_ids[${i}]`);
  });
  req.secrets.forEach((secret, i) => {
    const stored = findKey(env.state, env.hasher, checkSecret(secret, `secrets[${i}]`));
    if (!stored) throw notFound(`key at secrets[${i}]`, `secrets[${i}]`);
    ids.push(stored.key.keyId);
  });
  req.keyAliases.forEach((alias, i) => {
    checkText(alias, `key_aliases[${i}]`);
    if (alias === "") throw invalidRequest(`key_aliases[${i}]: expected a key alias`, `key_aliases[${i}]`);
  });
  const byAlias = new Map<string, string[]>(req.keyAliases.map((alias) => [alias, []]));
  for (const { key } of env.state.values("keys")) {
    if (visible(caller, key)) byAlias.get(key.keyAlias)?.push(key.keyId);
  }
  req.keyAliases.forEach((alias, i) => {
    const matches = byAlias.get(alias) ?? [];
    if (matches.length === 0) throw notFound(`key with alias at key_aliases[${i}]`, `key_aliases[${i}]`);
    ids.push(...matches);
  });
  if (ids.length === 0) throw invalidRequest("key_ids: expected at least one key", "key_ids");
  for (const id of ids) managed(env, caller, env.state.get("keys", id));
  return [...new Set(ids)];
}

/** DeleteKeys: deletes keys by id, secret or alias; all of them or, when one is not the caller's, none. */
export async function deleteKeys(env: AdminEnv, caller: Caller, req: policy.DeleteKeysRequest) {
  const deleted: string[] = [];
  for (const id of keysToDelete(env, caller, req)) {
    await env.store.mutate("keys", id, (current) => {
      if (current) managed(env, caller, current);
      return null;
    });
    deleted.push(id);
  }
  return create(policy.DeleteKeysResponseSchema, { deletedKeyIds: deleted });
}

/** GetKey: a key the caller may read. */
export function getKey(env: AdminEnv, caller: Caller, req: policy.GetKeyRequest) {
  const stored = env.state.get("keys", keyIdOf(env, req.keyId, req.secret));
  if (!stored) throw notFound("key", "key_id");
  if (!visible(caller, stored.key)) throw forbidden("team admins manage their own teams only");
  return create(policy.GetKeyResponseSchema, { key: stored.key });
}

/** Orders keys by creation, newest first, then by id, so pages are stable. */
function newestFirst(a: policy.Key, b: policy.Key): number {
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs > b.createdAtMs ? -1 : 1;
  return a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0;
}

/** ListKeys: the keys the caller may read, filtered, newest first, one page. */
export function listKeys(env: AdminEnv, caller: Caller, req: policy.ListKeysRequest) {
  const { size, page } = checkPage(req.pageSize, req.page);
  if (req.teamId !== "") checkId(req.teamId, "team_id");
  if (req.userId !== "") checkId(req.userId, "user_id");
  checkText(req.keyAlias, "key_alias");
  if (caller.role === "team_admin" && req.teamId !== "") requireTeamManager(caller, req.teamId);
  const keys = [...env.state.values("keys")]
    .map((s) => s.key)
    .filter(
      (k) =>
        visible(caller, k) &&
        (req.teamId === "" || k.teamId === req.teamId) &&
        (req.userId === "" || k.userId === req.userId) &&
        (req.keyAlias === "" || k.keyAlias === req.keyAlias),
    )
    .sort(newestFirst);
  const totalPages = Math.ceil(keys.length / size);
  return create(policy.ListKeysResponseSchema, {
    keys: keys.slice((page - 1) * size, page * size),
    totalCount: keys.length,
    currentPage: page,
    totalPages,
  });
}
