import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { JwtAuthSettings } from "@switchyard/config";
import { llm, policy } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { createAuthorizer, DECISION_TTL_MS } from "./authorizer.js";
import { createJwtAuthorizer } from "./jwt-authorizer.js";
import { createJwtVerifier } from "./jwt-verify.js";
import { createModelAccess } from "./models.js";
import { createResolver } from "./principal.js";
import { createState } from "./state.js";
import { ask, deployment } from "./testkit.js";

const { Decision } = policy;
const ISSUER = "https://idp.example.test";
const AUDIENCE = "switchyard";
const MASTER = "sk-master-secret";

/** A JWKS endpoint on a free loopback port that counts its requests. */
interface FakeJwks {
  readonly url: string;
  readonly requests: number;
  close(): Promise<void>;
}

/** Serves `{keys}`, or answers every request with `status` when it is not 200. */
async function serveJwks(keys: object[], status = 200): Promise<FakeJwks> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    if (status !== 200) {
      res.writeHead(status).end("unavailable");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function settings(jwksUrl: string): JwtAuthSettings {
  return {
    jwksUrl,
    issuer: ISSUER,
    audience: [AUDIENCE],
    algorithms: ["RS256", "ES256"],
    clockSkewSeconds: 30,
    userIdField: "sub",
    teamIdField: "team",
    rolesField: "realm_access.roles",
    adminRoles: ["gateway-admin"],
    allowedModelsField: "models",
  };
}

/** The JWT authorizer over an in-memory state holding team t1 (gpt-4o only), user alice and blocked user mallory. */
function setup(jwks: JwtAuthSettings) {
  const state = createState();
  state.apply("teams", "t1", 1, create(policy.TeamSchema, { teamId: "t1", models: ["gpt-4o"] }));
  state.apply("users", "alice", 2, create(policy.UserSchema, { userId: "alice" }));
  state.apply("users", "mallory", 3, create(policy.UserSchema, { userId: "mallory", blocked: true }));
  state.apply("teams", "metered", 4, create(policy.TeamSchema, { teamId: "metered", limits: { rpmLimit: 10 } }));
  state.apply("users", "bob", 5, create(policy.UserSchema, { userId: "bob", limits: { maxBudgetNanos: 10n ** 9n } }));
  const models = createModelAccess([deployment("gpt-4o", []), deployment("claude-3", [])]);
  const credentials = createAuthorizer({ resolver: createResolver({ masterKey: MASTER }), models });
  const verifier = createJwtVerifier(jwks, { timeoutMs: 1_000 });
  return createJwtAuthorizer({ credentials, verifier, settings: jwks, models, state, endUserLimits: () => true });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("JWT authorize", () => {
  let privateKey: CryptoKey;
  let publicPem: string;
  let jwk: Record<string, unknown>;
  let jwks: FakeJwks;
  let authorizer: ReturnType<typeof setup>;

  /** A token signed with the JWKS key; `exp` is 5 minutes away unless given (null leaves it out). */
  async function token(claims: JWTPayload = {}, exp: number | null = nowSeconds() + 300, kid = "k1") {
    const jwt = new SignJWT({ sub: "alice", team: "t1", ...claims })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt();
    if (exp !== null) jwt.setExpirationTime(exp);
    return jwt.sign(privateKey);
  }

  async function decide(credential: string, model = "") {
    return authorizer.authorize(ask(credential, model));
  }

  async function assertRefused(credential: string) {
    const res = await decide(credential);
    assert.equal(res.decision, Decision.DENY_UNAUTHENTICATED);
    assert.equal(res.reason, "invalid token");
    assert.equal(res.keyId, "");
  }

  before(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = await serveJwks([jwk]);
    authorizer = setup(settings(jwks.url));
  });
  after(() => jwks.close());

  it("allows a valid token with the mapped user, team and admin role, cached at most until exp", async () => {
    const credential = await token({ realm_access: { roles: ["gateway-admin"] } }, nowSeconds() + 5);
    const res = await decide(credential, "gpt-4o");
    assert.equal(res.decision, Decision.ALLOW);
    assert.deepEqual([res.userId, res.teamId, res.isAdmin], ["alice", "t1", true]);
    assert.match(res.keyId, /^jwt:[0-9a-f]{16}$/);
    assert.ok(res.cacheTtlMs > 0 && res.cacheTtlMs <= 5_000, `ttl ${res.cacheTtlMs}`);
    const plain = await decide(await token());
    assert.deepEqual([plain.isAdmin, plain.keyId, plain.cacheTtlMs], [false, res.keyId, DECISION_TTL_MS]);
  });

  it("marks a token limited when its team or user has limits, so the ingress asks Admit", async () => {
    const plain = await decide(await token());
    assert.deepEqual([plain.limited, plain.endUserLimits], [false, true]);
    assert.equal((await decide(await token({ team: "metered" }))).limited, true);
    const byUser = await decide(await token({ sub: "bob", team: "nowhere" }));
    assert.deepEqual([byUser.limited, byUser.userId, byUser.teamId], [true, "bob", "nowhere"]);
  });

  it("intersects the team's and the token's model lists; an unknown team is allowed without a record", async () => {
    const byTeam = await decide(await token(), "claude-3");
    assert.equal(byTeam.decision, Decision.DENY_FORBIDDEN);
    assert.equal(byTeam.reason, 'model "claude-3" is not allowed for the token\'s team');
    const byToken = await decide(await token({ team: "nowhere", models: ["claude-3"] }), "gpt-4o");
    assert.equal(byToken.reason, 'model "gpt-4o" is not allowed for this token');
    const unknownTeam = await decide(await token({ team: "nowhere" }), "claude-3");
    assert.deepEqual([unknownTeam.decision, unknownTeam.teamId], [Decision.ALLOW, "nowhere"]);
  });

  it("refuses a blocked user and keeps the master key working", async () => {
    const blocked = await decide(await token({ sub: "mallory" }));
    assert.deepEqual(
      [blocked.decision, blocked.reason],
      [Decision.DENY_UNAUTHENTICATED, "the token's user is blocked"],
    );
    assert.equal((await decide(MASTER)).isAdmin, true);
  });

  it("refuses alg none, HS256 keyed with the public key, missing exp, wrong aud and oversized tokens", async () => {
    const claims = { sub: "alice", iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 };
    await assertRefused(`${b64({ alg: "none" })}.${b64(claims)}.`);
    for (const secret of [publicPem, JSON.stringify(jwk)]) {
      const hs = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: "k1" })
        .sign(new TextEncoder().encode(secret));
      await assertRefused(hs);
    }
    await assertRefused(await token({}, null));
    await assertRefused(
      await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setAudience("other").sign(privateKey),
    );
    await assertRefused(
      await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer("https://evil.test")
        .sign(privateKey),
    );
    const forged = await token();
    await assertRefused(`${forged.slice(0, forged.lastIndexOf(".") + 1)}${"A".repeat(342)}`);
    // Over 8 KiB: refused as an unknown credential, before any parsing or key fetch.
    const huge = await token({ padding: "x".repeat(9_000) });
    const before = jwks.requests;
    assert.equal((await decide(huge)).decision, Decision.DENY_UNAUTHENTICATED);
    assert.equal(jwks.requests, before);
  });

  it("applies the 30 s clock skew: expired 61 s ago is refused, 10 s ago allowed", async () => {
    await assertRefused(await token({}, nowSeconds() - 61));
    const late = await decide(await token({}, nowSeconds() - 10));
    assert.deepEqual([late.decision, late.cacheTtlMs], [Decision.ALLOW, 0]);
  });

  it("refetches the JWKS at most once for a storm of 100 unknown kids", async () => {
    await decide(await token());
    const before = jwks.requests;
    const storm = await Promise.all(
      Array.from({ length: 100 }, async () => decide(await token({}, nowSeconds() + 300, randomUUID()))),
    );
    assert.ok(storm.every((res) => res.decision === Decision.DENY_UNAUTHENTICATED && res.reason === "invalid token"));
    assert.ok(jwks.requests - before <= 1, `${jwks.requests - before} refetches`);
  });

  it("answers UNAVAILABLE, not a denial, when the JWKS cannot be fetched", async () => {
    const gone = await serveJwks([]);
    await gone.close();
    const offline = setup(settings(gone.url));
    await assert.rejects(
      Promise.resolve(offline.authorize(ask(await token()))),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
    );
    // A token refused before any key is needed (its algorithm) is still a plain denial.
    const none = `${b64({ alg: "none" })}.${b64({ sub: "alice" })}.`;
    assert.equal((await offline.authorize(ask(none))).decision, Decision.DENY_UNAUTHENTICATED);
  });

  it("fetches a failing JWKS at most once per 30 s: failed fetches count too", async () => {
    const failing = await serveJwks([], 503);
    try {
      const authorizer = setup(settings(failing.url));
      for (const kid of ["k1", randomUUID(), randomUUID()]) {
        await assert.rejects(
          Promise.resolve(authorizer.authorize(ask(await token({}, nowSeconds() + 300, kid)))),
          (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
        );
      }
      assert.equal(failing.requests, 1);
    } finally {
      await failing.close();
    }
  });
});
