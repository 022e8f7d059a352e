// LiteLLM's key routes over the policy's key calls:
//
//   POST /key/generate      {key_alias, models, max_budget, ..., duration, team_id, user_id, metadata, blocked}
//   POST /key/update        {key, ...the same fields; null clears a limit, key_alias, duration, team_id, user_id}
//   POST /key/delete        {keys: [secret or key id, ...], key_aliases: [...]}
//   GET  /key/info?key=     (no key: the caller's own key)
//   GET  /key/list?page&size&team_id&user_id&key_alias&return_full_object
//   POST /key/regenerate    {key, ...changes}, or POST /key/{key}/regenerate
//   POST /key/block, /key/unblock   {key}
//
// A key is named by its secret (`sk-...`) or by its public id (`key_...`, LiteLLM's `token`).

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import type { AdminContext, AdminRoute } from "./admin.js";
import { clearable, type FieldReader, pageParam, readLimits, readMetadata, requiredText } from "./admin-fields.js";
import type { PathPattern } from "./admin-path.js";
import { renderKey, renderNewKey } from "./admin-render.js";

const m = policy.PolicyAdminService.method;

/** LiteLLM key fields Switchyard accepts only with their default value. */
const IGNORED = [
  "spend",
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
  "tags",
  "enforced_params",
  "allowed_routes",
  "allowed_passthrough_routes",
  "allowed_vector_store_indexes",
  "object_permission",
  "budget_id",
  "organization_id",
  "project_id",
  "agent_id",
  "key_type",
  "auto_rotate",
  "rotation_interval",
  "router_settings",
  "access_group_ids",
  "rpm_limit_type",
  "tpm_limit_type",
  "temp_budget_increase",
  "temp_budget_expiry",
  "new_key",
  "new_master_key",
  "grace_period",
];

/** LiteLLM's default page size of /key/list. */
const DEFAULT_PAGE_SIZE = 10n;

/** `/key/{key}/regenerate`. */
export const REGENERATE_PATTERN: PathPattern = { prefix: "/key/", suffix: "/regenerate" };

/** A key named by its secret or by its id. */
export function keyRef(value: string): { keyId: string; secret: string } {
  return value.startsWith("sk-") ? { keyId: "", secret: value } : { keyId: value, secret: "" };
}

/** An id field where "" means the same as null. */
function idField(r: FieldReader, name: string): string | null | undefined {
  const value = r.text(name);
  return value === "" ? null : value;
}

/** Reads LiteLLM's key fields as KeyChanges; on updates, null clears what can be cleared. */
export function readKeyChanges(r: FieldReader, updating: boolean): policy.KeyChanges {
  const { limits, clear } = readLimits(r, updating);
  const models = r.texts("models");
  const changes = create(policy.KeyChangesSchema, {
    keyAlias: clearable(r.text("key_alias"), "key_alias", updating, clear),
    models: models ?? [],
    setModels: Array.isArray(models),
    limits,
    duration: clearable(r.text("duration"), "expires", updating, clear) ?? "",
    teamId: clearable(idField(r, "team_id"), "team_id", updating, clear),
    userId: clearable(idField(r, "user_id"), "user_id", updating, clear),
    metadataJson: readMetadata(r),
    blocked: r.flag("blocked") ?? undefined,
    clear,
  });
  r.ignoreDefaults(IGNORED);
  return changes;
}

async function setBlocked(c: AdminContext, blocked: boolean) {
  const ref = keyRef(requiredText(c.fields, "key"));
  const res = await c.call(m.setKeyBlocked, { ...ref, blocked });
  return renderKey(res.key!);
}

/** POST /key/regenerate and /key/{key}/regenerate: a new secret, with optional changes. */
export const regenerateKey: AdminRoute = {
  method: "POST",
  async handler(c) {
    const body = c.fields.text("key");
    if (c.pathKey !== undefined && body !== undefined && body !== null && body !== c.pathKey) {
      throw invalidRequest("key: differs from the key in the path", "key");
    }
    const named = c.pathKey ?? body;
    if (!named) throw invalidRequest("key: required", "key");
    const changes = readKeyChanges(c.fields, true);
    const res = await c.call(m.regenerateKey, { ...keyRef(named), changes });
    return renderNewKey(res.key!, res.secret);
  },
};

/** The key routes by path. */
export const KEY_ROUTES: Readonly<Record<string, AdminRoute>> = {
  "/key/generate": {
    method: "POST",
    async handler(c) {
      const res = await c.call(m.generateKey, { key: readKeyChanges(c.fields, false) });
      return renderNewKey(res.key!, res.secret);
    },
  },
  "/key/update": {
    method: "POST",
    async handler(c) {
      const ref = keyRef(requiredText(c.fields, "key"));
      const res = await c.call(m.updateKey, { ...ref, changes: readKeyChanges(c.fields, true) });
      return renderKey(res.key!);
    },
  },
  "/key/delete": {
    method: "POST",
    async handler(c) {
      const keys = c.fields.texts("keys") ?? [];
      const keyAliases = c.fields.texts("key_aliases") ?? [];
      if (keys.length === 0 && keyAliases.length === 0) {
        throw invalidRequest("keys: expected at least one of keys or key_aliases", "keys");
      }
      const refs = keys.map(keyRef);
      const res = await c.call(m.deleteKeys, {
        keyIds: refs.filter((r) => r.keyId !== "").map((r) => r.keyId),
        secrets: refs.filter((r) => r.secret !== "").map((r) => r.secret),
        keyAliases,
      });
      return { deleted_keys: res.deletedKeyIds };
    },
  },
  "/key/info": {
    method: "GET",
    async handler(c) {
      const key = c.fields.text("key");
      const ref = key ? keyRef(key) : { keyId: c.caller.keyId, secret: "" };
      const res = await c.call(m.getKey, ref);
      return { key: res.key!.keyId, info: renderKey(res.key!) };
    },
  },
  "/key/list": {
    method: "GET",
    async handler(c) {
      const r = c.fields;
      const request = {
        page: pageParam(r, "page", 1n),
        pageSize: pageParam(r, "size", DEFAULT_PAGE_SIZE),
        teamId: r.text("team_id") ?? "",
        userId: r.text("user_id") ?? "",
        keyAlias: r.text("key_alias") ?? "",
      };
      const full = r.flag("return_full_object") ?? false;
      const res = await c.call(m.listKeys, request);
      return {
        // As LiteLLM: key identifiers, or whole key objects with return_full_object=true.
        keys: res.keys.map((k) => (full ? renderKey(k) : k.keyId)),
        total_count: res.totalCount,
        current_page: res.currentPage,
        total_pages: res.totalPages,
      };
    },
  },
  "/key/regenerate": regenerateKey,
  "/key/block": { method: "POST", handler: (c) => setBlocked(c, true) },
  "/key/unblock": { method: "POST", handler: (c) => setBlocked(c, false) },
};
