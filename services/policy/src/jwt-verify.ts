// Verifying a JWT against the configured JWKS with `jose`: signature, algorithm allow-list, `iss`, `aud` and `exp`
// (all required), bounded clock skew. A bad token is `undefined`; an unreachable JWKS is an UNAVAILABLE error.

import type { JwtAuthSettings } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTPayload, jwtVerify } from "jose";

/** Tokens longer than this are refused before any parsing. */
export const MAX_JWT_LENGTH = 8 * 1024;

/** An unknown `kid` refetches the JWKS at most once per this period, so random kids cannot flood the IdP. */
export const JWKS_COOLDOWN_MS = 30_000;

/** How long one JWKS fetch may take. */
export const JWKS_TIMEOUT_MS = 5_000;

/** Three base64url segments; the signature may be empty (`alg: none`), which verification then refuses. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * jose error codes that mean "this token is not acceptable". Every other failure (fetch errors, timeouts, a
 * malformed JWKS document, a non-200 answer) is the key source's fault, not the caller's.
 */
const TOKEN_FAULTS = new Set([
  "ERR_JWT_EXPIRED",
  "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "ERR_JWT_INVALID",
  "ERR_JWS_INVALID",
  "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
  "ERR_JOSE_ALG_NOT_ALLOWED",
  "ERR_JOSE_NOT_SUPPORTED",
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
]);

/** True when `credential` has the shape of a compact JWS and is short enough to parse. */
export function looksLikeJwt(credential: string): boolean {
  return credential.length <= MAX_JWT_LENGTH && JWT_SHAPE.test(credential);
}

/** Verifies tokens; one instance shares one JWKS cache. */
export interface JwtVerifier {
  /** The verified claims, or undefined for any unacceptable token; throws UNAVAILABLE when keys cannot be fetched. */
  verify(token: string): Promise<JWTPayload | undefined>;
}

/** Options for tests and tuning. */
export interface VerifierOptions {
  /** One JWKS fetch's timeout; default 5 s. */
  timeoutMs?: number;
}

function tokenFault(err: unknown): boolean {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" && TOKEN_FAULTS.has(code);
}

/**
 * A fetch that goes out at most once per `cooldownMs`, whatever the outcome. jose's own cooldown starts only after a
 * successful fetch, so while the JWKS answers errors every token with an unknown `kid` (or every token at all, before
 * the first success) would fetch again: a storm of random kids would flood the identity provider while it is down.
 * A refused attempt fails like an unreachable JWKS (UNAVAILABLE).
 */
function throttledFetch(cooldownMs: number): FetchImplementation {
  let lastAttempt = Number.NEGATIVE_INFINITY;
  return (url, options) => {
    const now = Date.now();
    if (now - lastAttempt < cooldownMs) {
      return Promise.reject(new Error(`the JWKS was fetched less than ${cooldownMs / 1000} s ago; not refetching yet`));
    }
    lastAttempt = now;
    return fetch(url, options);
  };
}

/**
 * Creates the verifier. Keys come from `settings.jwksUrl`, cached by jose and fetched at most once per 30 s, failed
 * fetches included (an unknown `kid` refetches once the 30 s have passed). The token never appears in an error or a
 * log.
 */
export function createJwtVerifier(settings: JwtAuthSettings, options: VerifierOptions = {}): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
    cooldownDuration: JWKS_COOLDOWN_MS,
    timeoutDuration: options.timeoutMs ?? JWKS_TIMEOUT_MS,
    [customFetch]: throttledFetch(JWKS_COOLDOWN_MS),
  });
  const verifyOptions = {
    algorithms: [...settings.algorithms],
    issuer: settings.issuer,
    audience: [...settings.audience],
    clockTolerance: settings.clockSkewSeconds,
    requiredClaims: ["exp", "iss", "aud"],
  };
  return {
    async verify(token) {
      if (!looksLikeJwt(token)) return undefined;
      try {
        return (await jwtVerify(token, keys, verifyOptions)).payload;
      } catch (err) {
        if (tokenFault(err)) return undefined;
        throw new GatewayError(
          { class: llm.ErrorClass.UNAVAILABLE, message: "the JWT key set (jwks_url) is unavailable" },
          { cause: err },
        );
      }
    },
  };
}
