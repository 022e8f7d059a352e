// Where and how to call Snowflake Cortex (https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-rest-api):
// `POST {account URL}/api/v2/cortex/inference:complete` and `.../inference:embed`, with `Authorization: Bearer <token>`
// and `X-Snowflake-Authorization-Token-Type` naming the token's kind. The account URL is `api_base` (or
// SNOWFLAKE_API_BASE), else `https://<account_id>.snowflakecomputing.com` from the `account_id` param or
// SNOWFLAKE_ACCOUNT_ID, as LiteLLM builds it; `/api/v2` is appended when missing, and a LiteLLM-style api_base that
// is the whole complete URL works too.

import type { Deployment } from "@switchyard/config";
import { misconfigured } from "../errors.js";

/** The process environment, or a stand-in for it in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a bearer token is, in Snowflake's `X-Snowflake-Authorization-Token-Type` vocabulary. */
export type TokenType = "KEYPAIR_JWT" | "PROGRAMMATIC_ACCESS_TOKEN";

/** LiteLLM marks a programmatic access token given as `api_key` with this prefix. */
export const PAT_PREFIX = "pat/";

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

/** `https://<account>.snowflakecomputing.com/api/v2` (or the api_base's), without a trailing slash. */
export function apiV2Of(dep: Pick<Deployment, "apiBase" | "params" | "provider" | "id">, env: Env): string {
  let base = dep.apiBase?.trim();
  if (!base) {
    const account = text(dep.params.account_id) ?? text(env.SNOWFLAKE_ACCOUNT_ID);
    if (!account) throw misconfigured(dep, "needs an api_base, or an account_id (or SNOWFLAKE_ACCOUNT_ID)");
    base = `https://${account}.snowflakecomputing.com`;
  }
  base = base.replace(/\/+$/, "").replace(/\/cortex\/inference:(complete|embed)$/, "");
  return base.endsWith("/api/v2") ? base : `${base}/api/v2`;
}

/** `.../api/v2/cortex/inference:complete`. */
export function completeUrl(dep: Pick<Deployment, "apiBase" | "params" | "provider" | "id">, env: Env): string {
  return `${apiV2Of(dep, env)}/cortex/inference:complete`;
}

/** `.../api/v2/cortex/inference:embed`. */
export function embedUrl(dep: Pick<Deployment, "apiBase" | "params" | "provider" | "id">, env: Env): string {
  return `${apiV2Of(dep, env)}/cortex/inference:embed`;
}

/** A token given as `api_key`: LiteLLM's `pat/<token>` is a programmatic access token, anything else a key-pair JWT. */
export function tokenOfKey(apiKey: string): { token: string; type: TokenType } {
  return apiKey.startsWith(PAT_PREFIX)
    ? { token: apiKey.slice(PAT_PREFIX.length), type: "PROGRAMMATIC_ACCESS_TOKEN" }
    : { token: apiKey, type: "KEYPAIR_JWT" };
}

/** The headers of a Cortex call. */
export function snowflakeHeaders(token: string, type: TokenType, stream: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    "x-snowflake-authorization-token-type": type,
    accept: stream ? "text/event-stream" : "application/json",
  };
}
