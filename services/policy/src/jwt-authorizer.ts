// Authorize for JWT callers: credentials the key authorizer does not know and that look like a JWT are verified
// against the JWKS and mapped to a user, a team and roles; model lists intersect as for keys.

import { create } from "@bufbuild/protobuf";
import type { JwtAuthSettings } from "@switchyard/config";
import { policy } from "@switchyard/proto";
import { type AuthorizeHandler, type Authorizer, DECISION_TTL_MS, deny, refuseModel } from "./authorizer.js";
import { identityOf, type JwtIdentity } from "./jwt-claims.js";
import { type JwtVerifier, looksLikeJwt } from "./jwt-verify.js";
import { hasLimits } from "./ledger/admission.js";
import type { ModelAccess } from "./models.js";
import type { PolicyState } from "./state.js";

const { Decision } = policy;

/** The one reason for every unacceptable token, so a denial says nothing about which check failed. */
const INVALID_TOKEN = "invalid token";

/** What the JWT authorizer reads. */
export interface JwtAuthorizerDeps {
  /** Decides the master key and virtual keys; asked first. */
  credentials: Authorizer;
  verifier: JwtVerifier;
  settings: JwtAuthSettings;
  models: ModelAccess;
  /** Teams and users; without it a token's team and user have no records (no model lists, never blocked). */
  state?: PolicyState | undefined;
  /** Whether some end user has limits (the state's `endUserLimits`); none without key management. */
  endUserLimits?: (() => boolean) | undefined;
  now?: () => number;
}

/** The first of the token's teams with a record, else the first one named (allowed, but without a record). */
function teamOf(identity: JwtIdentity, state: PolicyState | undefined): [string, policy.Team | undefined] {
  for (const teamId of identity.teamIds) {
    const team = state?.get("teams", teamId);
    if (team) return [teamId, team];
  }
  return [identity.teamIds[0] ?? "", undefined];
}

async function authorizeToken(
  deps: JwtAuthorizerDeps,
  request: policy.AuthorizeRequest,
): Promise<policy.AuthorizeResponse> {
  const payload = await deps.verifier.verify(request.credential);
  const identity = payload && identityOf(payload, deps.settings);
  if (!identity) return deny(Decision.DENY_UNAUTHENTICATED, INVALID_TOKEN);
  const user = deps.state?.get("users", identity.userId);
  const [teamId, team] = teamOf(identity, deps.state);
  const ids = { keyId: identity.keyId, teamId, userId: identity.userId };
  if (user?.blocked) return deny(Decision.DENY_UNAUTHENTICATED, "the token's user is blocked", ids);
  if (team?.blocked) return deny(Decision.DENY_UNAUTHENTICATED, "the token's team is blocked", ids);
  const levels = [
    ["this token", identity.models],
    ["the token's team", team?.models ?? []],
    ["the token's user", user?.models ?? []],
  ] as const;
  const refused = refuseModel(deps.models, levels, request.model, ids);
  if (refused) return refused;
  const now = deps.now ?? Date.now;
  const admin = identity.roles.some((role) => deps.settings.adminRoles.includes(role));
  return create(policy.AuthorizeResponseSchema, {
    decision: Decision.ALLOW,
    ...ids,
    isAdmin: admin || user?.userRole === policy.UserRole.PROXY_ADMIN,
    cacheTtlMs: Math.max(0, Math.min(DECISION_TTL_MS, identity.expiresAtMs - now())),
    // The token's team and user limit it as they limit their keys (Admit reads them from the request).
    limited: hasLimits(team?.limits) || hasLimits(user?.limits),
    endUserLimits: deps.endUserLimits?.() ?? false,
  });
}

/**
 * Wraps the key authorizer: its decision stands unless it refused a credential shaped like a JWT (three base64url
 * segments, at most 8 KiB), which is then verified. An allow decision is cached for at most 60 s and never past the
 * token's `exp`. An unreachable JWKS rejects with UNAVAILABLE rather than refusing the caller.
 */
export function createJwtAuthorizer(deps: JwtAuthorizerDeps): AuthorizeHandler {
  return {
    authorize(request) {
      const decision = deps.credentials.authorize(request);
      if (decision.decision !== Decision.DENY_UNAUTHENTICATED || !looksLikeJwt(request.credential)) return decision;
      return authorizeToken(deps, request);
    },
  };
}
