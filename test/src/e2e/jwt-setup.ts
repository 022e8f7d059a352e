// An identity provider in the test process for the JWT end-to-end tests: a JWKS endpoint on a free loopback port
// that counts its requests and can be rotated or made to fail, signing keys made with jose, and the
// `litellm_jwtauth` config that points the gateway at it.

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export const ISSUER = "https://idp.e2e.test/realms/ai";
export const AUDIENCE = "switchyard-e2e";
/** The configured clock skew: a token 61 s past `exp` is out, one 50 s past is in. */
export const CLOCK_SKEW_SECONDS = 60;
export const ADMIN_ROLE = "gateway-admin";

/** A JWKS endpoint under the test's control. */
export interface Jwks {
  readonly url: string;
  /** Every request, failed ones included. */
  readonly requests: number;
  /** When the last 200 answer was sent (epoch ms), or 0. */
  readonly lastServedAt: number;
  /** When the last request, failed or not, arrived (epoch ms), or 0. */
  readonly lastRequestAt: number;
  /** Replaces the published public keys. */
  publish(keys: readonly SigningKey[]): void;
  /** While true, every request is answered 503. */
  failing: boolean;
  close(): Promise<void>;
}

/** Serves the public keys of `keys` as a JWKS document at `/jwks.json`. */
export async function serveJwks(keys: readonly SigningKey[]): Promise<Jwks> {
  let published = keys.map((key) => key.publicJwk);
  let requests = 0;
  let lastServedAt = 0;
  let lastRequestAt = 0;
  let failing = false;
  const server: Server = createServer((_req, res) => {
    requests++;
    lastRequestAt = Date.now();
    if (failing) {
      res.writeHead(503, { "content-type": "text/plain" }).end("identity provider unavailable");
      return;
    }
    lastServedAt = Date.now();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get requests() {
      return requests;
    },
    get lastServedAt() {
      return lastServedAt;
    },
    get lastRequestAt() {
      return lastRequestAt;
    },
    get failing() {
      return failing;
    },
    set failing(value) {
      failing = value;
    },
    publish(next) {
      published = next.map((key) => key.publicJwk);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A signing key pair with its public JWK (as published) and PEM, and its private JWK (for canary scans). */
export interface SigningKey {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
  readonly privateJwk: JWK;
}

/** A fresh key pair for `alg`, named `kid`. */
export async function signingKey(alg: "RS256" | "ES256", kid: string): Promise<SigningKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" },
    publicPem: await exportSPKI(pair.publicKey),
    privateJwk: await exportJWK(pair.privateKey),
  };
}

/** The `general_settings` lines that turn JWT auth on against `jwksUrl`. */
export function jwtSettings(jwksUrl: string): string {
  return `  enable_jwt_auth: true
  litellm_jwtauth:
    jwks_url: "${jwksUrl}"
    issuer: "${ISSUER}"
    audience: ["${AUDIENCE}", other-audience-we-accept]
    algorithms: [RS256, ES256]
    clock_skew_seconds: ${CLOCK_SKEW_SECONDS}
    user_id_jwt_field: sub
    user_email_jwt_field: email
    team_id_jwt_field: team
    team_ids_jwt_field: groups
    roles_jwt_field: realm_access.roles
    admin_roles: [${ADMIN_ROLE}]
    allowed_models_jwt_field: models
`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** What a token says besides its claims; `null` leaves the registered claim out. */
export interface TokenOptions {
  exp?: number | null;
  nbf?: number;
  iss?: string | null;
  aud?: string | null;
  /** The header's `kid`; the key's own unless given. */
  kid?: string;
}

/** Signs `claims` with `key`: iss and aud as configured and `exp` 5 minutes away unless `options` say otherwise. */
export async function mint(
  key: SigningKey,
  claims: Record<string, unknown>,
  options: TokenOptions = {},
): Promise<string> {
  // Claims are any JSON, so tests can send ill-typed registered claims (a string `exp`, a numeric `sub`).
  const jwt = new SignJWT({ ...claims } as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: "JWT" })
    .setIssuedAt()
    .setJti(randomUUID());
  const iss = options.iss === undefined ? ISSUER : options.iss;
  const aud = options.aud === undefined ? AUDIENCE : options.aud;
  const exp = options.exp === undefined ? nowSeconds() + 300 : options.exp;
  if (iss !== null) jwt.setIssuer(iss);
  if (aud !== null) jwt.setAudience(aud);
  if (exp !== null) jwt.setExpirationTime(exp);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

/** One base64url JSON segment, for hand-made tokens. */
export function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The signature part of a compact JWS: the canary a log or table must never contain. */
export function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf(".") + 1);
}
