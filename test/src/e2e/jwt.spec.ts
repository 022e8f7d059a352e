// JWT auth end to end: real NATS, ClickHouse and every service as its own process, with an identity provider's JWKS
// served from this process. Valid tokens call the chat APIs (REST and gRPC) as the user, team and roles their claims
// name; every kind of bad token is an OpenAI-shaped 401; a storm of unknown kids costs the JWKS at most one request
// per 30 s; an outage of the JWKS is a 503, a key rotated in is picked up; and at the end no token signature, key
// or secret appears in any service log or ClickHouse table.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { gateway, llm } from "@switchyard/proto";
import { callUnary, createClient, fromServiceError } from "@switchyard/runtime";
import { generateKeyPair, SignJWT } from "jose";
import {
  type AdminClient,
  type AdminGateway,
  clientFor,
  MODEL_A,
  MODEL_B,
  type Reply,
  startAdminGateway,
  tablesContaining,
  waitForDump,
  within,
} from "./admin-setup.js";
import {
  ADMIN_ROLE,
  AUDIENCE,
  ISSUER,
  type Jwks,
  jwtSettings,
  mint,
  nowSeconds,
  type SigningKey,
  segment,
  serveJwks,
  signatureOf,
  signingKey,
  type TokenOptions,
} from "./jwt-setup.js";
import { MASTER_KEY } from "./setup.js";

/** How often an unknown kid may refetch the JWKS (jwt-verify.ts). */
const COOLDOWN_MS = 30_000;

let gw: AdminGateway;
let jwks: Jwks;
let grpcClient: grpc.Client;
let master: AdminClient;
const keys = {} as Record<"rsa" | "ec" | "rotated" | "stranger", SigningKey>;
/** Every token sent to the gateway, and every other secret, to look for in the logs and tables at the end. */
const tokens: string[] = [];
const secrets: string[] = [MASTER_KEY];

before(async () => {
  keys.rsa = await signingKey("RS256", "rsa-1");
  keys.ec = await signingKey("ES256", "ec-1");
  keys.rotated = await signingKey("RS256", "rsa-2");
  // Not published: signs tokens that name a published kid.
  keys.stranger = await signingKey("RS256", "rsa-1");
  jwks = await serveJwks([keys.rsa, keys.ec]);
  gw = await startAdminGateway({ generalSettings: jwtSettings(jwks.url) });
  master = clientFor(gw.mesh.restUrl, MASTER_KEY);
  grpcClient = createClient(gw.mesh.grpcAddress);
});
after(async () => {
  grpcClient?.close();
  await gw?.stop();
  await jwks?.close();
});

/** A token from `key`, remembered for the canary scan. */
async function token(key: SigningKey, claims: Record<string, unknown>, options: TokenOptions = {}): Promise<string> {
  return sent(await mint(key, claims, options));
}

function sent(credential: string): string {
  tokens.push(credential);
  return credential;
}

/** A chat completion with `credential` as the bearer token. */
function chat(credential: string, model = MODEL_A, requestId: string = randomUUID()): Promise<Reply> {
  return clientFor(gw.mesh.restUrl, credential).post(
    "/v1/chat/completions",
    { model, messages: [{ role: "user", content: "hi" }] },
    { "x-request-id": requestId },
  );
}

function ok(reply: Reply, what: string): Record<string, unknown> {
  assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.json)}`);
  return reply.json;
}

/** Asserts an OpenAI-shaped error with this status that does not echo the credential. */
function refused(reply: Reply, status: number, what: string, credential = ""): NonNullable<Reply["json"]["error"]> {
  assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.json)}`);
  const error = reply.json.error;
  assert.ok(error, `${what}: expected an error body, got ${JSON.stringify(reply.json)}`);
  assert.deepEqual(Object.keys(error), ["message", "type", "param", "code"], what);
  const signature = signatureOf(credential);
  if (signature.length >= 16) assert.equal(JSON.stringify(reply.json).includes(signature), false, what);
  return error;
}

/** Asserts the 401 every unacceptable token gets: it says nothing about which check failed. */
function invalidToken(reply: Reply, what: string, credential: string): void {
  const error = refused(reply, 401, what, credential);
  assert.equal(error.type, "authentication_error", what);
  assert.equal(error.message, "invalid token", what);
}

const grpcMetadata = (credential: string) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${credential}`);
  return md;
};

function grpcChat(credential: string) {
  const request = create(llm.ChatCompletionRequestSchema, {
    model: MODEL_A,
    messages: [{ role: llm.Role.USER, content: { case: "text", value: "hello over grpc" } }],
  });
  return callUnary(
    grpcClient,
    gateway.GatewayService.method.createChatCompletion,
    create(gateway.CreateChatCompletionRequestSchema, { request }),
    { metadata: grpcMetadata(credential) },
  );
}

/** The spend-log rows of one request, read with the master key once they have landed. */
async function spendRows(requestId: string): Promise<Array<Record<string, unknown>>> {
  let rows: Array<Record<string, unknown>> = [];
  await within(60_000, async () => {
    const reply = await master.get(`/spend/logs?request_id=${requestId}`);
    rows = reply.status === 200 ? (reply.json as unknown as Array<Record<string, unknown>>) : [];
    return rows.length > 0;
  });
  return rows;
}

/**
 * Sends `first` and then `count` valid RS256 tokens naming random kids, all in parallel; answers in that order. Every
 * token is signed by a published key, so only the kid is unknown.
 */
async function storm(count: number, first: readonly string[] = []): Promise<Reply[]> {
  const random = await Promise.all(
    Array.from({ length: count }, () => token(keys.rsa, { sub: "alice" }, { kid: randomUUID() })),
  );
  return Promise.all([...first, ...random].map((credential) => chat(credential)));
}

/** Sleeps until the epoch ms `at`. */
async function until(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Claims a valid token carries, for hand-made tokens. */
const validClaims = () => ({ sub: "alice", iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 });

describe("JWT auth through the mesh", () => {
  it("lets valid RS256 and ES256 tokens call as the user and team their claims name", async () => {
    ok(await master.post("/team/new", { team_id: "team-jwt", models: [MODEL_A] }), "team");
    ok(await master.post("/user/new", { user_id: "mallory", blocked: true, auto_create_key: false }), "mallory");
    const generated = ok(await master.post("/key/generate", { key_alias: "jwt-e2e-app" }), "key");
    secrets.push(generated["key"] as string);

    // `groups` names an unknown team first: the first team with a record is the caller's.
    const alice = await token(keys.rsa, { sub: "alice", groups: ["no-such-team", "team-jwt"] });
    ok(await chat(alice, MODEL_A, "jwt-e2e-rsa"), "RS256");
    ok(await chat(await token(keys.ec, { sub: "erin", team: "team-jwt" }), MODEL_A, "jwt-e2e-ec"), "ES256");
    ok(await chat(await token(keys.rsa, { email: "dave@example.com" }), MODEL_B, "jwt-e2e-email"), "email only");

    const [rsa] = await spendRows("jwt-e2e-rsa");
    assert.deepEqual([rsa?.["user"], rsa?.["team_id"]], ["alice", "team-jwt"]);
    assert.match(String(rsa?.["api_key"]), /^jwt:[0-9a-f]{16}$/, "a key id derived from iss and sub");
    const [ec] = await spendRows("jwt-e2e-ec");
    assert.deepEqual([ec?.["user"], ec?.["team_id"]], ["erin", "team-jwt"]);
    assert.notEqual(ec?.["api_key"], rsa?.["api_key"]);
    const [email] = await spendRows("jwt-e2e-email");
    assert.deepEqual([email?.["user"], email?.["team_id"]], ["dave@example.com", ""]);

    // The master key and virtual keys keep working beside JWTs.
    ok(await chat(MASTER_KEY), "master key");
    ok(await chat(generated["key"] as string), "virtual key");
  });

  it("applies the stored team's and user's records and the token's own model list", async () => {
    const alice = await token(keys.rsa, { sub: "alice", team: "team-jwt" });
    const byTeam = refused(await chat(alice, MODEL_B), 403, "a model outside the team's list");
    assert.equal(byTeam.type, "permission_error");
    const narrow = await token(keys.rsa, { sub: "alice", models: [MODEL_B] });
    refused(await chat(narrow, MODEL_A), 403, "a model outside the token's list");
    ok(await chat(narrow, MODEL_B), "the token's model");
    const mallory = await token(keys.rsa, { sub: "mallory" });
    const blocked = refused(await chat(mallory), 401, "a blocked stored user", mallory);
    assert.equal(blocked.message, "the token's user is blocked");
  });

  it("limits a token by its team's rate limit, shared with every token and key of the team", async () => {
    ok(await master.post("/team/new", { team_id: "team-jwt-rpm", models: [MODEL_A], rpm_limit: 2 }), "limited team");
    const carol = await token(keys.rsa, { sub: "carol", team: "team-jwt-rpm" });
    ok(await chat(carol), "the first request of the minute");
    const teamKey = ok(await master.post("/key/generate", { team_id: "team-jwt-rpm" }), "a key of the team");
    secrets.push(teamKey["key"] as string);
    ok(await chat(teamKey["key"] as string), "the team's key takes the second");
    const limited = refused(await chat(carol), 429, "over the team's rpm_limit", carol);
    assert.deepEqual([limited.type, limited.code], ["rate_limit_error", "rate_limit_exceeded"]);
    assert.match(limited.message, /rpm_limit 2 reached for the token's team/);
    const dan = await token(keys.rsa, { sub: "dan", team: "team-jwt-rpm" });
    refused(await chat(dan), 429, "another subject of the same team", dan);
    ok(
      await chat(await token(keys.rsa, { sub: "carol", team: "team-jwt" })),
      "the same subject in a team without limits",
    );
  });

  it("maps the roles claim: admins read spend, others do not, and no token reaches the admin API", async () => {
    const admin = await token(keys.rsa, { sub: "root", realm_access: { roles: ["viewer", ADMIN_ROLE] } });
    const logs = await clientFor(gw.mesh.restUrl, admin).get("/spend/logs?request_id=jwt-e2e-rsa");
    const rows = ok(logs, "spend logs as a JWT admin") as unknown as Array<Record<string, unknown>>;
    assert.equal(rows[0]?.["user"], "alice");
    const plain = await token(keys.rsa, { sub: "alice", realm_access: { roles: ["viewer"] } });
    refused(await clientFor(gw.mesh.restUrl, plain).get("/spend/logs"), 403, "spend logs as a plain JWT");
    // JWTs authenticate gateway calls only: the admin API knows master and virtual keys.
    refused(await clientFor(gw.mesh.restUrl, admin).get("/key/list"), 401, "admin API with a JWT", admin);
  });

  it("accepts a valid token over gRPC and refuses a bad one with UNAUTHENTICATED", async () => {
    const res = await grpcChat(await token(keys.ec, { sub: "grpc-user", team: "team-jwt" }));
    assert.ok(res.value.completion?.choices[0]?.message?.content);
    for (const bad of [
      sent(`${segment({ alg: "none", typ: "JWT" })}.${segment(validClaims())}.`),
      await token(keys.rsa, { sub: "alice" }, { exp: nowSeconds() - 61 }),
    ]) {
      await assert.rejects(grpcChat(bad), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNAUTHENTICATED);
        assert.equal(fromServiceError(err).detail.httpStatus, 401);
        assert.equal(err.details, "invalid token");
        return true;
      });
    }
  });

  it("refuses every unacceptable token with the same OpenAI-shaped 401, never a 500", async () => {
    const claims = validClaims();
    const hs256 = (secret: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: "rsa-1" }).sign(new TextEncoder().encode(secret));
    const good = await token(keys.rsa, { sub: "alice" });
    const other = await token(keys.rsa, { sub: "mallory" });
    const unsigned = `${segment({ alg: "RS256", kid: "rsa-1", crit: ["exp"] })}.${segment(claims)}`;
    const pss = await new SignJWT(claims)
      .setProtectedHeader({ alg: "PS256", kid: "rsa-1" })
      .sign((await generateKeyPair("PS256")).privateKey);
    const cases: Array<[string, string]> = [
      ["alg none", `${segment({ alg: "none", typ: "JWT", kid: "rsa-1" })}.${segment(claims)}.`],
      ["alg NONE", `${segment({ alg: "NONE", kid: "rsa-1" })}.${segment(claims)}.`],
      ["HS256 keyed with the RSA public key (PEM)", await hs256(keys.rsa.publicPem)],
      ["HS256 keyed with the RSA public key (JWK)", await hs256(JSON.stringify(keys.rsa.publicJwk))],
      ["PS256, not in the allow-list", pss],
      ["missing exp", await mint(keys.rsa, { sub: "alice" }, { exp: null })],
      ["wrong aud", await mint(keys.rsa, { sub: "alice" }, { aud: "someone-else" })],
      ["missing aud", await mint(keys.rsa, { sub: "alice" }, { aud: null })],
      ["wrong iss", await mint(keys.rsa, { sub: "alice" }, { iss: "https://evil.example/realms/ai" })],
      ["missing iss", await mint(keys.rsa, { sub: "alice" }, { iss: null })],
      ["expired by 61 s", await mint(keys.rsa, { sub: "alice" }, { exp: nowSeconds() - 61 })],
      // Well past the 60 s skew: the cases are minted up front and sent one by one, and time passes meanwhile.
      ["not before in 90 s", await mint(keys.rsa, { sub: "alice" }, { nbf: nowSeconds() + 90 })],
      ["exp as a string", await mint(keys.rsa, { sub: "alice", exp: String(nowSeconds() + 300) }, { exp: null })],
      ["no usable user id", await mint(keys.rsa, { sub: 42 })],
      ["signed by an unpublished key under a published kid", await mint(keys.stranger, { sub: "alice" })],
      ["an ES256 token naming the RSA kid", await mint(keys.ec, { sub: "alice" }, { kid: "rsa-1" })],
      ["another token's signature", `${good.slice(0, good.lastIndexOf("."))}.${signatureOf(other)}`],
      ["an unknown critical header", `${unsigned}.${signatureOf(good)}`],
      ["a header that is not JSON", `${Buffer.from("not json").toString("base64url")}.${segment(claims)}.c2ln`],
    ];
    for (const [what, credential] of cases) invalidToken(await chat(sent(credential)), what, credential);
    // Not three segments (a JWE, a bare word): not a JWT at all, so an unknown key.
    for (const credential of ["a.b.c.d.e", "eyJhbGciOiJub25lIn0"]) {
      const error = refused(await chat(credential), 401, credential);
      assert.equal(error.message, "invalid api key");
    }
  });

  it("allows a token inside the configured clock skew", async () => {
    ok(await chat(await token(keys.rsa, { sub: "alice" }, { exp: nowSeconds() - 50 })), "50 s past exp");
    ok(await chat(await token(keys.rsa, { sub: "alice" }, { nbf: nowSeconds() + 50 })), "50 s before nbf");
  });

  it("answers a storm of 400 unknown kids with 401s and at most one JWKS request", async () => {
    const before = jwks.requests;
    for (let round = 0; round < 2; round++) {
      for (const [i, reply] of (await storm(200)).entries()) invalidToken(reply, `storm token ${i}`, "");
    }
    assert.ok(jwks.requests - before <= 1, `${jwks.requests - before} JWKS requests for 400 unknown kids`);
    ok(await chat(await token(keys.rsa, { sub: "alice" })), "a valid token after the storm");
  });

  it("answers 503, not 401, while the JWKS fails, and asks it at most once per 30 s", async () => {
    jwks.publish([keys.rotated, keys.ec]);
    jwks.failing = true;
    // An unknown kid refetches once 30 s have passed since the policy's last successful fetch.
    await until(jwks.lastServedAt + COOLDOWN_MS + 1_000);
    const before = jwks.requests;
    const rotated = await token(keys.rotated, { sub: "alice" });
    const replies = await storm(200, [rotated]);
    for (const [i, reply] of replies.entries()) {
      const error = refused(reply, 503, `outage ${i}`);
      assert.notEqual(error.type, "authentication_error", "an outage is not the caller's fault");
    }
    for (let i = 0; i < 20; i++) refused(await chat(rotated), 503, `outage, one by one ${i}`, rotated);
    assert.equal(jwks.requests - before, 1, "a failed fetch counts: one JWKS request in 30 s");
  });

  it("picks up a key rotated in with one JWKS request for a storm of unknown kids", async () => {
    jwks.failing = false;
    // The failed fetch above holds the next one off for 30 s.
    await until(jwks.lastRequestAt + COOLDOWN_MS + 1_000);
    const before = jwks.requests;
    const rotated = await token(keys.rotated, { sub: "alice" });
    const [first, ...others] = await storm(200, [rotated]);
    assert.ok(first);
    ok(first, "the rotated-in key");
    for (const [i, reply] of others.entries()) invalidToken(reply, `unknown kid ${i}`, "");
    assert.equal(jwks.requests - before, 1, "one JWKS request for the whole storm");
    // rsa-1 was rotated out: a fresh token signed with it is refused; the EC key stayed.
    invalidToken(await chat(await token(keys.rsa, { sub: "alice" })), "a rotated-out key", "");
    ok(await chat(await token(keys.ec, { sub: "erin" })), "the key that stayed");
    assert.equal(jwks.requests - before, 1, "the rotated-out kid is unknown, within the cooldown");
  });

  it("writes no token signature, key or secret to any service log or ClickHouse table", async () => {
    const canaries = [
      ...tokens.map(signatureOf).filter((signature) => signature.length >= 16),
      ...secrets.flatMap((secret) => [secret, secret.slice(3)]),
      ...Object.values(keys).flatMap((key) =>
        [key.privateJwk.d, key.privateJwk.p].filter((part) => part !== undefined),
      ),
    ];
    assert.ok(tokens.length > 800 && canaries.length > 800, `${canaries.length} canaries`);
    assert.ok(gw.lines.length > 0, "the services logged something");
    const logs = [gw.lines.join("\n"), ...gw.mesh.processes.map((p) => p.logs())];
    for (const text of logs) {
      // Indexes, not the canaries: a failing assertion should not print secrets either.
      const found = canaries.flatMap((canary, i) => (text.includes(canary) ? [i] : []));
      assert.deepEqual(found, [], "a token signature, key or secret appears in a service log");
    }
    const dump = await waitForDump(gw, "jwt-e2e-email");
    // The usage rows carry the user and team the claims named, under a key id that is not the token.
    const usage = (dump.get("switchyard.usage_events") ?? "").split("\n");
    const row = usage.find((line) => line.includes("\tjwt-e2e-rsa\t"))?.split("\t") ?? [];
    assert.ok(row.includes("alice") && row.includes("team-jwt"), `usage row: ${row.join(" ")}`);
    assert.ok(row.some((field) => /^jwt:[0-9a-f]{16}$/.test(field)));
    assert.deepEqual(tablesContaining(dump, canaries), [], "a token signature, key or secret appears in ClickHouse");
  });
});
