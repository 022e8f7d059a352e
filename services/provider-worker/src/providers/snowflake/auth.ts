// The bearer token of a Cortex call. A deployment either names a ready token as `api_key` (LiteLLM's SNOWFLAKE_JWT: a
// key-pair JWT made elsewhere, or `pat/<token>` for a programmatic access token), or gives the key pair itself:
// `private_key` (a PEM secret, optionally with `private_key_passphrase`) plus the user (`snowflake_user` or
// SNOWFLAKE_USER) and the account (`snowflake_account`, else `account_id` / SNOWFLAKE_ACCOUNT / SNOWFLAKE_ACCOUNT_ID,
// else the api_base's host), from which the adapter signs and caches key-pair JWTs itself.

import { llm } from "@switchyard/proto";
import { misconfigured } from "../errors.js";
import type { AttemptContext } from "../types.js";
import { type Env, type TokenType, tokenOfKey } from "./api.js";
import type { KeyPairIdentity, KeyPairTokens } from "./jwt.js";

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

/** The account of `https://<account>.snowflakecomputing.com`, when api_base is such a URL. */
function accountOfBase(apiBase: string | undefined): string | undefined {
  const host = apiBase ? /^https?:\/\/([^/]+)\.snowflakecomputing\.com/i.exec(apiBase)?.[1] : undefined;
  return host || undefined;
}

/** Who signs the key-pair JWT of a deployment with a `private_key`. */
export function identityOf(ctx: AttemptContext, privateKey: string, env: Env): KeyPairIdentity {
  const p = ctx.deployment.params;
  const account =
    text(p.snowflake_account) ??
    text(p.account_id) ??
    text(env.SNOWFLAKE_ACCOUNT) ??
    text(env.SNOWFLAKE_ACCOUNT_ID) ??
    accountOfBase(ctx.deployment.apiBase);
  const user = text(p.snowflake_user) ?? text(env.SNOWFLAKE_USER);
  if (!account) throw misconfigured(ctx.deployment, "needs snowflake_account (or SNOWFLAKE_ACCOUNT) to sign");
  if (!user) throw misconfigured(ctx.deployment, "needs snowflake_user (or SNOWFLAKE_USER) to sign");
  // A PEM kept in an environment variable often has its line breaks written as `\n`.
  const pem = privateKey.includes("\\n") ? privateKey.replaceAll("\\n", "\n") : privateKey;
  const passphrase = ctx.credentials?.private_key_passphrase;
  return { account, user, privateKey: pem, ...(passphrase ? { passphrase } : {}) };
}

/** The token and its type: a signed key-pair JWT when the deployment has a `private_key`, else its `api_key`. */
export async function tokenOf(
  ctx: AttemptContext,
  tokens: KeyPairTokens,
  env: Env,
): Promise<{ token: string; type: TokenType }> {
  const privateKey = ctx.credentials?.private_key;
  if (privateKey) {
    const identity = identityOf(ctx, privateKey, env);
    try {
      return { token: await tokens.token(identity), type: "KEYPAIR_JWT" };
    } catch (err) {
      throw misconfigured(ctx.deployment, "has a private_key that could not sign a JWT", llm.ErrorClass.INTERNAL, err);
    }
  }
  if (ctx.apiKey) return tokenOfKey(ctx.apiKey);
  throw misconfigured(
    ctx.deployment,
    "has no api_key (a key-pair JWT, SNOWFLAKE_JWT, or pat/<token>) and no private_key",
    llm.ErrorClass.AUTH,
  );
}
