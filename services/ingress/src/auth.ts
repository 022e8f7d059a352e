import { hash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { connect, createThrottle, GatewayError, type Logger } from "@switchyard/runtime";
import { type FailOpen, STALE_DECISION_MS } from "./fail-open.js";

/** Who is calling, as the policy service established it. */
export interface Principal {
  readonly keyId: string;
  /** The virtual key's alias, when it has one: what logs name the caller by (never the key). */
  readonly keyAlias?: string;
  readonly teamId: string;
  readonly userId: string;
  readonly isAdmin: boolean;
  /** The key, its team or its user has rate limits or a budget: every request is admitted by the policy. */
  readonly limited: boolean;
  /** Some end user has limits: a request naming one is admitted by the policy. */
  readonly endUserLimits: boolean;
}

/** Authenticates credentials through the policy service, caching allow decisions in process. */
export interface Authenticator {
  /** Resolves the principal for a credential and model, or throws AUTH / PERMISSION_DENIED / UNAVAILABLE. */
  authenticate(credential: string | undefined, model: string): Promise<Principal>;
  /** Number of cached decisions (for tests and metrics). */
  readonly cached: number;
  close(): void;
}

interface Entry {
  principal: Principal;
  keyId: string;
  expiresAt: number;
  /** Until when the decision may serve while the policy is unreachable (fail open only). */
  staleUntil: number;
}

/** Options of `createAuthenticator`. */
export interface AuthenticatorOptions {
  /** Serve cached decisions past their TTL while the policy is unreachable (allow_requests_on_db_unavailable). */
  failOpen?: FailOpen;
}

const MAX_ENTRIES = 50_000;
/** The policy's longest decision TTL (services/policy/src/authorizer.ts). */
const DECISION_TTL_MS = 60_000;
/** Longest credential passed to the policy: JWTs with many claims run to several KiB (the policy's own limit). */
const MAX_CREDENTIAL = 8192;

function unauthenticated(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.AUTH, message });
}

/**
 * Creates the authenticator. Known credentials are answered from memory (keyed by a SHA-256 of the
 * credential, never the credential itself) until their TTL ends or the policy service invalidates them
 * over WatchInvalidations, which keeps the decision for a known key off the network. A policy outage
 * surfaces as 503, never as 401.
 */
export function createAuthenticator(
  client: connect.ConnectClient,
  log: Logger,
  options: AuthenticatorOptions = {},
): Authenticator {
  const cache = new Map<string, Entry>();
  let closed = false;
  const throttle = createThrottle();
  let watch: connect.ServerStream<policy.WatchInvalidationsResponse> | undefined;

  const apply = (msg: policy.WatchInvalidationsResponse) => {
    if (msg.all) cache.clear();
    else if (msg.keyIds.length > 0) {
      const ids = new Set(msg.keyIds);
      for (const [k, e] of cache) if (ids.has(e.keyId)) cache.delete(k);
    }
  };
  const subscribe = async () => {
    if (closed) return;
    watch = connect.callStream(
      client,
      policy.PolicyService.method.watchInvalidations,
      create(policy.WatchInvalidationsRequestSchema),
    );
    try {
      for await (const msg of watch) apply(msg);
    } catch {
      // ended below either way
    }
    // Without a live watch, cached decisions could go stale: stop trusting them and resubscribe. Failing open keeps
    // them for the outage (revocations that reached us were applied; later ones cannot be written without NATS).
    if (options.failOpen) for (const entry of cache.values()) entry.expiresAt = 0;
    else cache.clear();
    if (!closed) setTimeout(subscribe, 500).unref();
  };
  void subscribe();

  return {
    async authenticate(credential, model) {
      if (!credential) throw unauthenticated("missing api key: send Authorization: Bearer <key>");
      if (credential.length > MAX_CREDENTIAL) throw unauthenticated("invalid api key");
      const cacheKey = hash("sha256", `${credential}\0${model}`, "base64");
      const hit = cache.get(cacheKey);
      if (hit && hit.expiresAt > Date.now()) return hit.principal;
      let res: policy.AuthorizeResponse;
      try {
        res = (
          await connect.callUnary(
            client,
            policy.PolicyService.method.authorize,
            create(policy.AuthorizeRequestSchema, { credential, model }),
            { deadline: Date.now() + 5_000 },
          )
        ).value;
      } catch (err) {
        if (options.failOpen && hit && hit.staleUntil > Date.now()) {
          options.failOpen("authorize", err);
          return hit.principal;
        }
        // The policy may be down, or up but unable to decide (its NATS or a JWKS unreachable): either way a 503,
        // logged once per 10 s rather than once per request.
        const due = throttle("authorize");
        if (due.log) {
          log.warn({ err: GatewayError.from(err).message, since: due.skipped }, "authorization failed: answering 503");
        }
        throw new GatewayError(
          { class: llm.ErrorClass.UNAVAILABLE, message: "authorization service unavailable" },
          { cause: err },
        );
      }
      if (res.decision !== policy.Decision.ALLOW) cache.delete(cacheKey);
      if (res.decision === policy.Decision.DENY_FORBIDDEN) {
        throw new GatewayError({ class: llm.ErrorClass.PERMISSION_DENIED, message: res.reason || "not allowed" });
      }
      if (res.decision !== policy.Decision.ALLOW) throw unauthenticated(res.reason || "invalid api key");
      const principal: Principal = {
        keyId: res.keyId,
        keyAlias: res.keyAlias,
        teamId: res.teamId,
        userId: res.userId,
        isAdmin: res.isAdmin,
        limited: res.limited,
        endUserLimits: res.endUserLimits,
      };
      if (res.cacheTtlMs > 0) {
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        const expiresAt = Date.now() + res.cacheTtlMs;
        // A TTL below the policy's usual one means the key expires then: it must not serve past that, even stale.
        const staleUntil = res.cacheTtlMs < DECISION_TTL_MS ? expiresAt : expiresAt + STALE_DECISION_MS;
        cache.set(cacheKey, { principal, keyId: res.keyId, expiresAt, staleUntil });
      }
      return principal;
    },
    get cached() {
      return cache.size;
    },
    close() {
      closed = true;
      watch?.cancel();
    },
  };
}

/** Extracts the bearer token of an `Authorization` header value; undefined when absent or malformed. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/**
 * Client-side fallbacks reach other model groups, so the caller must be allowed every one of them, exactly as if it
 * had asked for it: a refused one is a 403 naming `fallbacks` (field `param` when given, e.g. `request.fallbacks`).
 */
export async function authorizeFallbacks(
  auth: Authenticator,
  credential: string | undefined,
  fallbacks: readonly string[],
  param = "fallbacks",
): Promise<void> {
  for (const model of fallbacks) {
    try {
      await auth.authenticate(credential, model);
    } catch (err) {
      const error = GatewayError.from(err);
      if (error.errorClass !== llm.ErrorClass.PERMISSION_DENIED) throw error;
      throw new GatewayError({ ...error.detail, message: `${param}: ${error.message}`, param }, { cause: err });
    }
  }
}
