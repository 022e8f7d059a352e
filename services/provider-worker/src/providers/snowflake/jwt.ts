// Key-pair JWTs for Snowflake's REST APIs (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating#using-key-pair-authentication):
// RS256-signed with the user's private key, `iss` = `<ACCOUNT>.<USER>.SHA256:<base64 SHA-256 of the public key's DER
// SubjectPublicKeyInfo>`, `sub` = `<ACCOUNT>.<USER>`, and `exp` at most an hour after `iat`. The account is the
// account identifier upper-cased, without any region or cloud suffix after a dot. Tokens are cached per key (by hash)
// and replaced 5 minutes before they expire, so a deployment signs about once an hour.

import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";

/** A token's lifetime: Snowflake's maximum. */
export const LIFETIME_SECONDS = 3600;
/** A cached token is replaced when it has less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** Who signs: the account identifier, the user, and the PEM private key (PKCS#8 or PKCS#1, encrypted or not). */
export interface KeyPairIdentity {
  readonly account: string;
  readonly user: string;
  readonly privateKey: string;
  readonly passphrase?: string | undefined;
}

/** `MYORG-MYACCOUNT` from `myorg-myaccount`, `XY12345` from `xy12345.us-east-1.aws`. */
export function accountIdentifier(account: string): string {
  return account.trim().split(".")[0]?.toUpperCase() ?? "";
}

/** `SHA256:<base64>` of the public key's DER SubjectPublicKeyInfo, as Snowflake's RSA_PUBLIC_KEY_FP shows it. */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("base64")}`;
}

/** Signs one key-pair JWT valid from `nowMs`. */
export async function signKeyPairJwt(identity: KeyPairIdentity, nowMs: number): Promise<string> {
  const key = createPrivateKey({
    key: identity.privateKey,
    format: "pem",
    ...(identity.passphrase ? { passphrase: identity.passphrase } : {}),
  });
  const qualified = `${accountIdentifier(identity.account)}.${identity.user.trim().toUpperCase()}`;
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(`${qualified}.${publicKeyFingerprint(key)}`)
    .setSubject(qualified)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LIFETIME_SECONDS)
    .sign(key);
}

/** A cache of signed tokens, one per identity; concurrent calls share one signing. */
export interface KeyPairTokens {
  token(identity: KeyPairIdentity): Promise<string>;
}

export function createKeyPairTokens(now: () => number = Date.now): KeyPairTokens {
  const cache = new Map<string, { token: Promise<string>; expiresAt: number }>();
  const keyOf = (id: KeyPairIdentity) =>
    createHash("sha256")
      .update(`${id.account}\n${id.user}\n${id.privateKey}\n${id.passphrase ?? ""}`)
      .digest("hex");
  return {
    token(identity) {
      const key = keyOf(identity);
      const at = now();
      const cached = cache.get(key);
      if (cached && cached.expiresAt - REFRESH_MARGIN_MS > at) return cached.token;
      const token = signKeyPairJwt(identity, at);
      cache.set(key, { token, expiresAt: at + LIFETIME_SECONDS * 1000 });
      // A key that cannot be read is not cached: the next call reports it again.
      token.catch(() => {
        if (cache.get(key)?.token === token) cache.delete(key);
      });
      return token;
    },
  };
}
