// Verified JWT claims -> who is calling: user, candidate teams, roles and a model list, as the config maps them.

import { createHash } from "node:crypto";
import type { JwtAuthSettings } from "@switchyard/config";
import type { JWTPayload } from "jose";

/** Longest user or team id taken from a token; longer ones make the token unusable. */
const MAX_ID_LENGTH = 256;

/** What a verified token says about its caller. */
export interface JwtIdentity {
  /** `jwt:` + 16 hex digits of SHA-256 over (iss, sub): stable per subject, never the token itself. */
  readonly keyId: string;
  readonly userId: string;
  /** Team ids in claim order: `team_id_jwt_field` first, then `team_ids_jwt_field`. */
  readonly teamIds: readonly string[];
  readonly roles: readonly string[];
  /** The token's own model list (`allowed_models_jwt_field`); empty restricts nothing. */
  readonly models: readonly string[];
  /** `exp` in milliseconds. */
  readonly expiresAtMs: number;
}

/**
 * The claim at `path`: the claim named exactly `path` when there is one (namespaced claims such as
 * `https://example.com/roles` contain dots), else the dotted path into nested objects (`realm_access.roles`).
 */
export function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The non-empty strings of a claim that is one string or a list (other items are skipped). */
function strings(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item): item is string => typeof item === "string" && item !== "");
}

function id(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= MAX_ID_LENGTH ? value : undefined;
}

function field(payload: JWTPayload, path: string | undefined): unknown {
  return path === undefined ? undefined : claimAt(payload, path);
}

/**
 * Maps verified claims to an identity; undefined when the token names no usable user id (the user id claim, else
 * the e-mail claim). Team ids longer than 256 characters are dropped.
 */
export function identityOf(payload: JWTPayload, settings: JwtAuthSettings): JwtIdentity | undefined {
  const userId = id(claimAt(payload, settings.userIdField)) ?? id(field(payload, settings.userEmailField));
  if (userId === undefined || typeof payload.exp !== "number") return undefined;
  const teamIds = [
    ...strings(field(payload, settings.teamIdField)),
    ...strings(field(payload, settings.teamIdsField)),
  ].filter((team) => team.length <= MAX_ID_LENGTH);
  const subject = `${payload.iss ?? ""}\u0000${payload.sub ?? userId}`;
  return {
    keyId: `jwt:${createHash("sha256").update(subject, "utf8").digest("hex").slice(0, 16)}`,
    userId,
    teamIds: [...new Set(teamIds)],
    roles: strings(field(payload, settings.rolesField)),
    models: strings(field(payload, settings.allowedModelsField)),
    expiresAtMs: payload.exp * 1000,
  };
}
