// IBM Cloud IAM tokens for watsonx.ai (https://cloud.ibm.com/docs/account?topic=account-iamtoken_from_apikey): the
// deployment's API key is exchanged at `POST https://iam.cloud.ibm.com/identity/token` (form
// `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=...`) for a bearer token that lasts about an hour. Tokens
// are cached per IAM URL and key (by hash), replaced before they expire, and one exchange runs at a time per key
// (concurrent attempts wait for it). The key never reaches an error or a log.

import { createHash } from "node:crypto";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { request } from "undici";
import type { DeploymentRef } from "../errors.js";
import { asNumber, asObject, asString, tryParse } from "../json.js";
import type { AttemptContext } from "../types.js";

/** IBM Cloud's public IAM token endpoint. */
export const DEFAULT_IAM_URL = "https://iam.cloud.ibm.com/identity/token";
/** A token is replaced this long before it expires. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** The longest one exchange may take. */
const EXCHANGE_TIMEOUT_MS = 30_000;

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
}

/** Exchanges API keys for IAM tokens, with a cache; one per adapter. */
export interface IamTokens {
  /** A bearer token for `apiKey`, from the cache while it is fresh. */
  token(ctx: AttemptContext, iamUrl: string, apiKey: string): Promise<string>;
  /** Drops the cached token of `apiKey` (watsonx refused it: revoked, or expired early). */
  forget(iamUrl: string, apiKey: string): void;
}

function cacheKey(iamUrl: string, apiKey: string): string {
  return `${iamUrl}\n${createHash("sha256").update(apiKey).digest("hex")}`;
}

export function createIamTokens(now: () => number = Date.now): IamTokens {
  const cache = new Map<string, Cached>();
  const inflight = new Map<string, Promise<Cached>>();
  return {
    forget(iamUrl, apiKey) {
      cache.delete(cacheKey(iamUrl, apiKey));
    },
    async token(ctx, iamUrl, apiKey) {
      const key = cacheKey(iamUrl, apiKey);
      const hit = cache.get(key);
      if (hit && hit.expiresAt - REFRESH_MARGIN_MS > now()) return hit.token;
      let pending = inflight.get(key);
      if (!pending) {
        pending = exchange(ctx, iamUrl, apiKey, now).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      const fresh = await pending;
      cache.set(key, fresh);
      return fresh.token;
    },
  };
}

function iamError(dep: DeploymentRef, cls: llm.ErrorClass, what: string, status = 0): GatewayError {
  return new GatewayError({
    class: cls,
    message: `${dep.provider}: IBM Cloud IAM ${what}`,
    ...(status >= 400 && status < 500 ? { httpStatus: status === 400 ? 401 : status } : {}),
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

async function exchange(ctx: AttemptContext, iamUrl: string, apiKey: string, now: () => number): Promise<Cached> {
  const dep = ctx.deployment;
  const form = new URLSearchParams({ grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: apiKey });
  let status: number;
  let text: string;
  try {
    const res = await request(iamUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
      dispatcher: ctx.dispatcher,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)]),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch {
    throw iamError(dep, llm.ErrorClass.UNAVAILABLE, "token exchange failed (network)");
  }
  // IAM answers a bad or deleted key with 400 BXNIM0415E: a credentials problem, not the client's request.
  if (status === 400 || status === 401 || status === 403) {
    throw iamError(dep, llm.ErrorClass.AUTH, `rejected the deployment's API key (HTTP ${status})`, status);
  }
  if (status === 429) throw iamError(dep, llm.ErrorClass.RATE_LIMITED, "is rate limiting token exchanges", 429);
  if (status < 200 || status >= 300) {
    throw iamError(dep, llm.ErrorClass.UNAVAILABLE, `token exchange failed (HTTP ${status})`);
  }
  const body = asObject(tryParse(text)) ?? {};
  const token = asString(body.access_token);
  if (!token) throw iamError(dep, llm.ErrorClass.UNAVAILABLE, "answered without an access_token");
  const expiration = asNumber(body.expiration);
  const expiresIn = asNumber(body.expires_in) ?? 3600;
  const expiresAt = expiration ? expiration * 1000 : now() + expiresIn * 1000;
  return { token, expiresAt };
}
