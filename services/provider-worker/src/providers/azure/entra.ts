// Microsoft Entra ID access tokens for the OAuth 2.0 client-credentials grant
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow): one form POST to
// `{authority}/{tenant}/oauth2/v2.0/token`, cached per credential and refreshed before it expires.
//
// A small client over undici rather than @azure/identity: that package pulls in MSAL for Node and the browser plus the
// Azure core pipeline (a dozen packages, several megabytes), sends its own HTTP outside the worker's connection pool
// and abort signals, and refuses a non-https authority, which a local fake token endpoint needs.

import { createHash } from "node:crypto";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { type Dispatcher, request } from "undici";
import { abortError, parseRetryAfter } from "../errors.js";
import { redactAll } from "../http.js";
import { asNumber, asObject, asString, tryParse } from "../json.js";
import type { AttemptContext } from "../types.js";

const { ErrorClass } = llm;

/** A client-credentials grant with LiteLLM's names: `tenant_id`, `client_id`, `client_secret`, `azure_scope`. */
export interface ClientCredentials {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
}

/** A token is refreshed this long before it expires (or at half its lifetime, when that is shorter). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** One token request may take this long; it serves every caller waiting for it, so no caller's signal cuts it. */
const TOKEN_TIMEOUT_MS = 30_000;
/** Token responses are small; more than this is not a token response. */
const MAX_TOKEN_BYTES = 64 * 1024;

interface Token {
  readonly value: string;
  readonly expiresAt: number;
  readonly refreshAt: number;
}

type Ctx = Pick<AttemptContext, "deployment" | "dispatcher" | "signal" | "log" | "apiKey" | "credentials">;

/** The token endpoint of a grant. */
export function tokenUrl(grant: Pick<ClientCredentials, "authorityHost" | "tenantId">): string {
  return `${grant.authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(grant.tenantId)}/oauth2/v2.0/token`;
}

/**
 * Entra ID tokens by credential and scope. A cached token is used until its refresh time; then one request per
 * credential fetches a new one while concurrent callers wait for it. When a refresh fails but the cached token has not
 * expired yet, the cached token is still used (and the next call tries again). The only mutable state of the Azure
 * adapter, deliberately: minting a token per call would add a round trip to every request and hit Entra's limits.
 */
export class EntraTokens {
  private readonly tokens = new Map<string, Token>();
  private readonly pending = new Map<string, Promise<Token>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A valid access token for `grant`; throws a classified GatewayError when none can be had. */
  async token(grant: ClientCredentials, ctx: Ctx): Promise<string> {
    const key = cacheKey(grant);
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.refreshAt) return cached.value;
    try {
      return (await untilAborted(this.refresh(key, grant, ctx), ctx)).value;
    } catch (err) {
      if (cached && this.now() < cached.expiresAt && !ctx.signal.aborted) {
        ctx.log.warn({ deployment: ctx.deployment.id, err }, "entra id token refresh failed; using the cached token");
        return cached.value;
      }
      throw forCaller(err, ctx);
    }
  }

  private refresh(key: string, grant: ClientCredentials, ctx: Ctx): Promise<Token> {
    const running = this.pending.get(key);
    if (running) return running;
    const started = this.now();
    const fetching = fetchToken(grant, ctx)
      .then(({ value, lifetimeMs }) => {
        const token = {
          value,
          expiresAt: started + lifetimeMs,
          refreshAt: started + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2),
        };
        this.tokens.set(key, token);
        return token;
      })
      .finally(() => this.pending.delete(key));
    // Callers that gave up (their signal aborted) no longer await it; a late failure must not go unhandled.
    fetching.catch(() => undefined);
    this.pending.set(key, fetching);
    return fetching;
  }
}

/** The cache key: every field of the grant, the secret only as a digest (rotating it mints a new token). */
function cacheKey(grant: ClientCredentials): string {
  const secret = createHash("sha256").update(grant.clientSecret).digest("base64url");
  return JSON.stringify([grant.authorityHost, grant.tenantId, grant.clientId, grant.scope, secret]);
}

/** A shared refresh's error, tagged with this caller's deployment (deployments may share a credential). */
function forCaller(err: unknown, ctx: Ctx): unknown {
  if (!(err instanceof GatewayError) || err.detail.deploymentId === ctx.deployment.id) return err;
  const { detail } = err;
  const init = { class: detail.class, message: detail.message, httpStatus: detail.httpStatus };
  const retry = detail.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: detail.retryAfterSeconds };
  const tags = { provider: ctx.deployment.provider, deploymentId: ctx.deployment.id };
  return new GatewayError({ ...init, ...retry, ...tags }, { cause: err.cause });
}

/** `work`, or the abort error as soon as the caller's signal aborts (the shared request itself goes on). */
function untilAborted<T>(work: Promise<T>, ctx: Ctx): Promise<T> {
  const { signal } = ctx;
  if (signal.aborted) return Promise.reject(abortError(ctx.deployment, signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(ctx.deployment, signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

interface Minted {
  readonly value: string;
  readonly lifetimeMs: number;
}

async function fetchToken(grant: ClientCredentials, ctx: Ctx): Promise<Minted> {
  const signal = AbortSignal.timeout(TOKEN_TIMEOUT_MS);
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
    scope: grant.scope,
  });
  let res: Dispatcher.ResponseData;
  let text: string;
  try {
    res = await request(tokenUrl(grant), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
      dispatcher: ctx.dispatcher,
      signal,
    });
    text = await readBounded(res.body);
  } catch (err) {
    throw tokenError(ctx, signal.aborted ? ErrorClass.TIMEOUT : ErrorClass.UNAVAILABLE, "could not be reached", err);
  }
  if (res.statusCode < 200 || res.statusCode >= 300) throw refused(ctx, res, text);
  const body = asObject(tryParse(text));
  const value = asString(body?.access_token);
  // v2.0 endpoints send expires_in as a number, v1.0 ones as a string.
  const seconds = asNumber(body?.expires_in) ?? Number(asString(body?.expires_in));
  if (!value || !Number.isFinite(seconds) || seconds <= 0) {
    throw tokenError(ctx, ErrorClass.UNAVAILABLE, "answered without an access token and its lifetime");
  }
  return { value, lifetimeMs: seconds * 1000 };
}

async function readBounded(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_TOKEN_BYTES) {
      body.destroy();
      throw new Error(`token response larger than ${MAX_TOKEN_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A non-2xx token response. Entra answers a bad secret, client or tenant with a 400 or 401 and an OAuth error such as
 * `invalid_client` (AADSTS codes in `error_description`): the deployment's credentials are wrong, so AUTH. Throttling
 * is RATE_LIMITED and 5xx UNAVAILABLE, both retryable. The OAuth error code is shown; the description stays in logs.
 */
function refused(ctx: Ctx, res: Dispatcher.ResponseData, text: string): GatewayError {
  const oauthError = asString(asObject(tryParse(text))?.error);
  const status = res.statusCode;
  const cls = status === 429 ? ErrorClass.RATE_LIMITED : status >= 500 ? ErrorClass.UNAVAILABLE : ErrorClass.AUTH;
  const what = `refused the client credentials (HTTP ${status}${oauthError ? `, ${oauthError}` : ""})`;
  const cause = new Error(`token endpoint HTTP ${status}: ${redactAll(text.slice(0, 2000), ctx)}`);
  const error = tokenError(ctx, cls, what, cause);
  const retryAfter = parseRetryAfter(res.headers);
  if (retryAfter !== undefined) error.detail.retryAfterSeconds = retryAfter;
  return error;
}

function tokenError(ctx: Ctx, cls: llm.ErrorClass, what: string, cause?: unknown): GatewayError {
  return new GatewayError(
    {
      class: cls,
      message: `${ctx.deployment.provider}: the Entra ID token endpoint ${what}`,
      provider: ctx.deployment.provider,
      deploymentId: ctx.deployment.id,
    },
    { cause },
  );
}
