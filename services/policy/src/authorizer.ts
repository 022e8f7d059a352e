import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { hasLimits } from "./ledger/admission.js";
import type { ModelAccess } from "./models.js";
import type { PrincipalResolver } from "./principal.js";

const { Decision } = policy;

/** How long the ingress may reuse an allow decision before asking again. */
export const DECISION_TTL_MS = 60_000;

/** Longest model name quoted in a denial. */
const MAX_QUOTED_MODEL = 200;

/** Decides whether a presented credential may call the gateway. */
export interface Authorizer {
  authorize(request: policy.AuthorizeRequest): policy.AuthorizeResponse;
}

/** What serves Authorize: the credential authorizer, or one that may also verify a JWT (asynchronously). */
export interface AuthorizeHandler {
  authorize(request: policy.AuthorizeRequest): policy.AuthorizeResponse | Promise<policy.AuthorizeResponse>;
}

/** The ids a decision reports. */
export interface DecisionIds {
  keyId: string;
  teamId: string;
  userId: string;
}

/**
 * A DENY_FORBIDDEN response naming the first of `levels` (who, model list) whose non-empty list refuses `model`, or
 * undefined when every level allows it; a request naming no model (list models) passes.
 */
export function refuseModel(
  models: ModelAccess,
  levels: readonly (readonly [who: string, list: readonly string[]])[],
  model: string,
  ids: DecisionIds,
): policy.AuthorizeResponse | undefined {
  if (model === "") return undefined;
  const quoted = JSON.stringify(model.slice(0, MAX_QUOTED_MODEL));
  const refusing = levels.find(([, list]) => !models.allows(list, model));
  return refusing && deny(Decision.DENY_FORBIDDEN, `model ${quoted} is not allowed for ${refusing[0]}`, ids);
}

/** What the authorizer reads: credentials to principals, model lists to decisions, and the clock. */
export interface AuthorizerDeps {
  resolver: PrincipalResolver;
  models: ModelAccess;
  /** Whether some end user has limits (the state's `endUserLimits`); none without key management. */
  endUserLimits?: () => boolean;
  now?: () => number;
}

/**
 * Creates the authorizer. The master key is an admin that may call every model. A virtual key may call a model when
 * every non-empty model list among its own, its team's and its user's allows it (an empty list restricts nothing);
 * a request naming no model (list models) passes. An allow decision is cached by the ingress for at most 60 s and
 * never past the key's expiry; changes reach it sooner through WatchInvalidations.
 */
export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  const now = deps.now ?? Date.now;
  return {
    authorize(request) {
      const principal = deps.resolver.resolve(request.credential);
      if (principal.kind === "denied") return deny(Decision.DENY_UNAUTHENTICATED, principal.reason);
      if (principal.kind === "master") {
        return create(policy.AuthorizeResponseSchema, {
          decision: Decision.ALLOW,
          keyId: principal.keyId,
          isAdmin: true,
          cacheTtlMs: DECISION_TTL_MS,
        });
      }
      const { key, team, user } = principal;
      const ids = { keyId: key.keyId, teamId: key.teamId, userId: key.userId };
      const levels = [
        ["this key", key.models],
        ["the key's team", team?.models ?? []],
        ["the key's user", user?.models ?? []],
      ] as const;
      const refused = refuseModel(deps.models, levels, request.model, ids);
      if (refused) return refused;
      const untilExpiry = key.expiresAtMs === 0n ? DECISION_TTL_MS : Number(key.expiresAtMs) - now();
      return create(policy.AuthorizeResponseSchema, {
        decision: Decision.ALLOW,
        ...ids,
        keyAlias: key.keyAlias,
        isAdmin: user?.userRole === policy.UserRole.PROXY_ADMIN,
        cacheTtlMs: Math.max(0, Math.min(DECISION_TTL_MS, untilExpiry)),
        limited: hasLimits(key.limits) || hasLimits(team?.limits) || hasLimits(user?.limits),
        endUserLimits: deps.endUserLimits?.() ?? false,
      });
    },
  };
}

/** A denial with a caller-safe reason and, when known, the principal's ids. */
export function deny(decision: policy.Decision, reason: string, ids = {}): policy.AuthorizeResponse {
  return create(policy.AuthorizeResponseSchema, { decision, reason, ...ids });
}
