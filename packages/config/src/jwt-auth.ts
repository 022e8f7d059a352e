// `general_settings.enable_jwt_auth` and `general_settings.litellm_jwtauth`: JWT bearer tokens verified against a
// JWKS, as an alternative to virtual keys. LiteLLM's names where LiteLLM has one; the policy service verifies.
import { type Context, fail, warn } from "./context.js";
import { indexPath, keyPath } from "./paths.js";
import { checkKeys, type KeySpec } from "./sections.js";
import type { JwtAuthSettings } from "./types.js";
import {
  describe,
  field,
  isSet,
  readBoolean,
  readInteger,
  readMap,
  readRequiredText,
  readStringList,
  readText,
  withoutUndefined,
  type YamlMap,
} from "./values.js";

/** Signature algorithms accepted when `algorithms` is unset. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = ["RS256", "ES256"];

/** Clock skew tolerated on `exp` and `nbf` when `clock_skew_seconds` is unset. */
export const DEFAULT_JWT_CLOCK_SKEW_SECONDS = 30;

/** The largest clock skew accepted: more would keep expired tokens alive for minutes. */
export const MAX_JWT_CLOCK_SKEW_SECONDS = 300;

/** Asymmetric algorithms, the only ones that make sense with keys from a JWKS URL. */
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

const PATH = "general_settings.litellm_jwtauth";

/** Claim-path fields: a claim name, or a dotted path into nested claims (`realm_access.roles`). */
const CLAIM_FIELDS = {
  teamIdField: "team_id_jwt_field",
  teamIdsField: "team_ids_jwt_field",
  userEmailField: "user_email_jwt_field",
  rolesField: "roles_jwt_field",
  allowedModelsField: "allowed_models_jwt_field",
} as const;

const IGNORED_NOTE = "map claims with the *_jwt_field keys and admin_roles";

/** Keys of `litellm_jwtauth`: Switchyard's, and LiteLLM's that it ignores. */
export const JWT_AUTH_KEYS: KeySpec = {
  supported: ["jwks_url", "issuer", "audience", "algorithms", "clock_skew_seconds", "user_id_jwt_field"].concat(
    Object.values(CLAIM_FIELDS),
    ["admin_roles"],
  ),
  unsupported: Object.fromEntries(
    [
      ...["admin_jwt_scope", "admin_allowed_routes", "team_allowed_routes", "team_id_default", "org_id_jwt_field"],
      ...["user_allowed_email_domain", "user_roles_jwt_field", "user_allowed_roles", "end_user_id_jwt_field"],
      ...["public_allowed_routes", "object_id_jwt_field", "role_mappings", "jwt_mappings", "enforce_rbac"],
      ...["user_id_upsert", "team_id_upsert", "upsert_sso_user_to_team", "enforce_team_based_model_access"],
      ...["custom_validate", "sync_user_role_and_teams", "scope_mappings", "enforce_scope_based_access"],
    ]
      .map((key): [string, string] => [key, IGNORED_NOTE])
      .concat([
        ["public_key_url", "set jwks_url to the JWKS document itself"],
        ["public_key_ttl", "keys are cached by the policy service"],
      ]),
  ),
};

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function readJwksUrl(ctx: Context, raw: unknown): string | undefined {
  const path = keyPath(PATH, "jwks_url");
  const text = readRequiredText(ctx, raw, path);
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  const loopback = url !== undefined && (LOOPBACK.has(url.hostname) || url.hostname.startsWith("127."));
  if (url?.protocol === "https:" || (url?.protocol === "http:" && loopback)) return text;
  return fail(ctx, path, `expected an https:// URL (http:// only for loopback hosts), got ${describe(text)}`);
}

function readAudience(ctx: Context, raw: unknown): string[] | undefined {
  const path = keyPath(PATH, "audience");
  if (Array.isArray(raw)) {
    const list = readStringList(ctx, raw, path);
    return list?.length === 0 ? fail(ctx, path, "expected at least one audience") : list;
  }
  const one = readRequiredText(ctx, raw, path);
  return one === undefined ? undefined : [one];
}

function readAlgorithms(ctx: Context, raw: unknown): string[] | undefined {
  const path = keyPath(PATH, "algorithms");
  if (!isSet(raw)) return [...DEFAULT_JWT_ALGORITHMS];
  const list = readStringList(ctx, raw, path);
  if (list === undefined) return undefined;
  if (list.length === 0) return fail(ctx, path, "expected at least one algorithm");
  const bad = list.flatMap((alg, i) => {
    const at = indexPath(path, i);
    if (alg.toLowerCase() === "none") return [fail(ctx, at, `"none" is refused: unsigned tokens prove nothing`)];
    if (/^HS/i.test(alg))
      return [fail(ctx, at, `${describe(alg)} is refused: symmetric algorithms cannot use keys from a JWKS URL`)];
    if (!ASYMMETRIC.includes(alg))
      return [fail(ctx, at, `expected one of ${ASYMMETRIC.join(", ")}, got ${describe(alg)}`)];
    return [];
  });
  return bad.length === 0 ? [...new Set(list)] : undefined;
}

function readSection(ctx: Context, general: YamlMap): YamlMap | undefined {
  const raw = field(general, "litellm_jwtauth");
  if (!isSet(raw)) return fail(ctx, PATH, "missing; expected a map with jwks_url, issuer and audience");
  const section = readMap(ctx, raw, PATH);
  if (section !== undefined) checkKeys(ctx, section, PATH, JWT_AUTH_KEYS);
  return section;
}

/**
 * Reads JWT auth: undefined unless `enable_jwt_auth` is true. `jwks_url`, `issuer` and `audience` are required;
 * `none` and HS* algorithms are refused here, so a key from the JWKS can never be used as an HMAC secret.
 */
export function readJwtAuth(ctx: Context, general: YamlMap): JwtAuthSettings | undefined {
  const enabled = readBoolean(ctx, field(general, "enable_jwt_auth"), "general_settings.enable_jwt_auth");
  if (enabled !== true) {
    if (isSet(field(general, "litellm_jwtauth")))
      warn(ctx, PATH, "ignored because general_settings.enable_jwt_auth is not true");
    return undefined;
  }
  const section = readSection(ctx, general);
  if (section === undefined) return undefined;
  const at = (key: string) => keyPath(PATH, key);
  const claim = (key: string) => readText(ctx, field(section, key), at(key), false);
  const settings = {
    jwksUrl: readJwksUrl(ctx, field(section, "jwks_url")),
    issuer: readRequiredText(ctx, field(section, "issuer"), at("issuer")),
    audience: readAudience(ctx, field(section, "audience")),
    algorithms: readAlgorithms(ctx, field(section, "algorithms")),
    clockSkewSeconds:
      readInteger(ctx, field(section, "clock_skew_seconds"), at("clock_skew_seconds"), 0, MAX_JWT_CLOCK_SKEW_SECONDS) ??
      DEFAULT_JWT_CLOCK_SKEW_SECONDS,
    userIdField: claim("user_id_jwt_field") ?? "sub",
    teamIdField: claim(CLAIM_FIELDS.teamIdField),
    teamIdsField: claim(CLAIM_FIELDS.teamIdsField),
    userEmailField: claim(CLAIM_FIELDS.userEmailField),
    rolesField: claim(CLAIM_FIELDS.rolesField),
    allowedModelsField: claim(CLAIM_FIELDS.allowedModelsField),
    adminRoles: readStringList(ctx, field(section, "admin_roles"), at("admin_roles")) ?? [],
  };
  const { jwksUrl, issuer, audience, algorithms } = settings;
  if (jwksUrl === undefined || issuer === undefined || audience === undefined || algorithms === undefined)
    return undefined;
  return withoutUndefined({ ...settings, jwksUrl, issuer, audience, algorithms });
}
