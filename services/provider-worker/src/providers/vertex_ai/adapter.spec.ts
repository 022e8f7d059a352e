import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it, mock } from "node:test";
import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { richRequest as claudeRequest } from "../anthropic/testdata/canonical.js";
import { richRequest as geminiRequest } from "../gemini/testdata/canonical.js";
import {
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
  writeSlowly,
} from "../testkit.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import { createVertexAiAdapter } from "./index.js";

const { ErrorClass } = llm;

// A throwaway key: the real JWT-bearer flow signs with it, and the fake token endpoint verifies the signature.
const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const EMAIL = "switchyard-test@my-proj.iam.gserviceaccount.com";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The fake Google: `/token` mints `ya29.test-N`; every other path is Vertex AI, answered by `reply`. */
interface FakeGoogle {
  tokens: number;
  claims: Record<string, unknown>[];
  tokenStatus: number;
  expiresIn: number;
  reply: (req: IncomingMessage, res: ServerResponse, body: string) => unknown;
}

function serviceAccount(tokenUri: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: "service_account",
    project_id: "key-proj",
    private_key_id: "0123456789abcdef",
    private_key: privateKey,
    client_email: EMAIL,
    client_id: "1234567890",
    token_uri: tokenUri,
    ...extra,
  });
}

/** Verifies a JWT-bearer grant the way Google's endpoint does: grant type, RS256 signature, issuer and scope. */
function checkGrant(body: string): Record<string, unknown> | string {
  const form = new URLSearchParams(body);
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return "unsupported_grant_type";
  const [header, payload, signature] = (form.get("assertion") ?? "").split(".");
  if (!header || !payload || !signature) return "invalid_request";
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, "base64url"),
  );
  if (!signed || JSON.parse(Buffer.from(header, "base64url").toString()).alg !== "RS256") return "invalid_grant";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  if (claims.iss !== EMAIL || claims.scope !== SCOPE || Number(claims.exp) - Number(claims.iat) !== 3600) {
    return "invalid_scope";
  }
  return claims;
}

describe("vertex_ai adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let google: FakeGoogle;
  let adapter: ProviderAdapter;
  let keyJson: string;

  const deployment = (model: string, overrides: Partial<Deployment> = {}) =>
    testDeployment("vertex_ai", {
      model,
      apiBase: upstream.url,
      params: { vertex_project: "my-proj", vertex_location: "europe-west4" },
      ...overrides,
    });
  /** An attempt context; `null` credentials leave vertex_credentials unset. */
  const ctx = (dep: Deployment, credentials: string | null = keyJson, signal?: AbortSignal): AttemptContext => ({
    ...testContext(dep, dispatcher, signal ? { signal } : {}),
    ...(credentials === null ? {} : { credentials: { vertex_credentials: credentials } }),
  });
  const gemini = () => ctx(deployment("gemini-2.5-flash"));
  const claude = () =>
    ctx(
      deployment("claude-sonnet-4-5@20250929", { params: { vertex_project: "my-proj", vertex_location: "us-east5" } }),
    );
  const json = (res: ServerResponse, status: number, body: string) =>
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  const modelCalls = () => upstream.seen.filter((r) => r.url !== "/token");

  before(async () => {
    upstream = await startUpstream();
    keyJson = serviceAccount(`${upstream.url}/token`);
    upstream.handle((req, res, body) => {
      if (req.url !== "/token") return google.reply(req, res, body);
      const claims = checkGrant(body);
      if (google.tokenStatus !== 200 || typeof claims === "string") {
        return json(
          res,
          google.tokenStatus === 200 ? 400 : google.tokenStatus,
          fixture(import.meta.url, "token-error.json"),
        );
      }
      google.tokens++;
      google.claims.push(claims);
      json(
        res,
        200,
        JSON.stringify({
          access_token: `ya29.test-${google.tokens}`,
          expires_in: google.expiresIn,
          token_type: "Bearer",
        }),
      );
    });
  });
  beforeEach(() => {
    adapter = createVertexAiAdapter();
    google = {
      tokens: 0,
      claims: [],
      tokenStatus: 200,
      expiresIn: 3600,
      reply: (_req, res) => json(res, 200, fixture(import.meta.url, "../../gemini/testdata/response.json")),
    };
  });
  afterEach(() => mock.timers.reset());
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("mints a token with the real JWT-bearer flow and calls the google publisher's :generateContent", async () => {
    const out = await adapter.chat(geminiRequest(), gemini());
    assert.equal(google.tokens, 1);
    assert.equal(google.claims[0]?.iss, EMAIL);
    const call = modelCalls().at(-1)!;
    assert.equal(
      call.url,
      "/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent",
    );
    assert.equal(call.headers.authorization, "Bearer ya29.test-1");
    assert.equal(call.headers["x-goog-api-key"], undefined);
    assert.deepEqual(JSON.parse(call.body), JSON.parse(fixture(import.meta.url, "../../gemini/testdata/request.json")));
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.usage?.reasoningTokens, 100);
  });

  it("fetches the token once and reuses it, also for concurrent calls", async () => {
    await Promise.all([1, 2, 3].map(() => adapter.chat(geminiRequest(), gemini())));
    await adapter.chat(geminiRequest(), gemini());
    assert.equal(google.tokens, 1);
    assert.ok(
      modelCalls()
        .slice(-4)
        .every((r) => r.headers.authorization === "Bearer ya29.test-1"),
    );
  });

  it("refreshes the token before it expires, and not earlier", async () => {
    mock.timers.enable({ apis: ["Date"], now: Date.now() });
    await adapter.chat(geminiRequest(), gemini());
    mock.timers.tick(50 * 60_000);
    await adapter.chat(geminiRequest(), gemini());
    assert.equal(google.tokens, 1, "a token with 10 minutes left is reused");
    mock.timers.tick(6 * 60_000);
    await adapter.chat(geminiRequest(), gemini());
    assert.equal(google.tokens, 2, "a token within 5 minutes of expiry is refreshed");
    assert.equal(modelCalls().at(-1)?.headers.authorization, "Bearer ya29.test-2");
  });

  it("refreshes on every call a token that is already expiring when it arrives", async () => {
    google.expiresIn = 60;
    await adapter.chat(geminiRequest(), gemini());
    await adapter.chat(geminiRequest(), gemini());
    assert.equal(google.tokens, 2);
  });

  it("streams Gemini from :streamGenerateContent?alt=sse", async () => {
    google.reply = async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      await writeSlowly(res, fixture(import.meta.url, "../../gemini/testdata/stream.sse"));
      res.end();
    };
    const chunks = await collect(adapter.streamChat(geminiRequest(), gemini()));
    assert.equal(
      modelCalls().at(-1)?.url,
      "/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-1)?.usage?.promptTokens, 25);
  });

  it("sends Claude to the anthropic publisher's :rawPredict with anthropic_version in the body", async () => {
    google.reply = (_req, res) => json(res, 200, fixture(import.meta.url, "../../anthropic/testdata/response.json"));
    const out = await adapter.chat(claudeRequest(), claude());
    const call = modelCalls().at(-1)!;
    assert.equal(
      call.url,
      "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
    );
    assert.equal(call.headers.authorization, "Bearer ya29.test-1");
    assert.equal(call.headers["anthropic-version"], undefined);
    assert.deepEqual(JSON.parse(call.body), JSON.parse(fixture(import.meta.url, "request-claude.json")));
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.usage?.promptTokens, 2620);
  });

  it("streams Claude from :streamRawPredict", async () => {
    google.reply = async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      await writeSlowly(res, fixture(import.meta.url, "../../anthropic/testdata/stream.sse"));
      res.end();
    };
    const chunks = await collect(adapter.streamChat(claudeRequest(), claude()));
    const call = modelCalls().at(-1)!;
    assert.match(call.url, /\/publishers\/anthropic\/models\/claude-sonnet-4-5@20250929:streamRawPredict$/);
    assert.equal(JSON.parse(call.body).stream, true);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 15);
  });

  it("classifies Vertex's Google-format and Claude's Anthropic-format errors on the Claude route", async () => {
    google.reply = (_req, res) => json(res, 429, fixture(import.meta.url, "error-429-quota.json"));
    await assert.rejects(adapter.chat(claudeRequest(), claude()), isErrorClass(ErrorClass.RATE_LIMITED));
    google.reply = (_req, res) => json(res, 529, fixture(import.meta.url, "error-529-overloaded.json"));
    await assert.rejects(adapter.chat(claudeRequest(), claude()), isErrorClass(ErrorClass.UNAVAILABLE));
    google.reply = (_req, res) => json(res, 400, fixture(import.meta.url, "error-400-claude.json"));
    await assert.rejects(adapter.chat(claudeRequest(), claude()), (err: unknown) => {
      isErrorClass(ErrorClass.INVALID_REQUEST)(err);
      assert.equal((err as GatewayError).detail.param, "messages[0].content[0].text");
      return true;
    });
    google.reply = (_req, res) => json(res, 404, fixture(import.meta.url, "error-404-model.json"));
    await assert.rejects(collect(adapter.streamChat(claudeRequest(), claude())), isErrorClass(ErrorClass.NOT_FOUND));
  });

  it("classifies a rejected token as AUTH and never repeats the token an upstream echoes", async () => {
    const echo = JSON.stringify({
      error: { code: 400, message: "bad token ya29.test-1 given", status: "INVALID_ARGUMENT" },
    });
    google.reply = (_req, res) => json(res, 400, echo);
    await assert.rejects(adapter.chat(geminiRequest(), gemini()), (err: unknown) => {
      isErrorClass(ErrorClass.INVALID_REQUEST, "ya29.test-1")(err);
      assert.ok(!String((err as GatewayError).cause).includes("ya29.test-1"));
      return true;
    });
    google.reply = (_req, res) => json(res, 401, fixture(import.meta.url, "error-401.json"));
    await assert.rejects(adapter.chat(geminiRequest(), gemini()), isErrorClass(ErrorClass.AUTH));
  });

  it("fails with AUTH, quoting neither key nor assertion, when the token endpoint refuses the key", async () => {
    google.tokenStatus = 400;
    const before = modelCalls().length;
    await assert.rejects(adapter.chat(geminiRequest(), gemini()), (err: unknown) => {
      isErrorClass(ErrorClass.AUTH)(err);
      const e = err as GatewayError;
      assert.match(e.message, /refused the deployment's credentials \(invalid_grant\)/);
      const text = `${e.message} ${String(e.cause)} ${JSON.stringify(e.detail)}`;
      assert.ok(!text.includes("PRIVATE KEY") && !text.includes("assertion") && !text.includes("eyJ"), text);
      return true;
    });
    assert.equal(modelCalls().length, before, "no model call without a token");
    google.tokenStatus = 503;
    await assert.rejects(adapter.chat(geminiRequest(), gemini()), isErrorClass(ErrorClass.UNAVAILABLE));
  });

  it("fails with AUTH, without echoing it, for vertex_credentials that are neither JSON nor a file", async () => {
    const secret = "not-a-key-but-secret-0123456789";
    await assert.rejects(adapter.chat(geminiRequest(), ctx(deployment("gemini-2.5-flash"), secret)), (err: unknown) => {
      isErrorClass(ErrorClass.AUTH, secret)(err);
      return true;
    });
    await assert.rejects(
      adapter.chat(geminiRequest(), ctx(deployment("gemini-2.5-flash"), `{"x":${secret}`)),
      (err: unknown) => isErrorClass(ErrorClass.AUTH, secret)(err),
    );
  });

  it("reads vertex_credentials from a file, and the project from the key when vertex_project is unset", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-vertex-"));
    const path = join(dir, "key.json");
    writeFileSync(path, keyJson);
    const dep = deployment("gemini-2.5-flash", { params: {} });
    await adapter.chat(geminiRequest(), ctx(dep, path));
    assert.equal(
      modelCalls().at(-1)?.url,
      "/v1/projects/key-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
    );
  });

  it("uses Application Default Credentials when the deployment has no vertex_credentials", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-vertex-adc-"));
    const path = join(dir, "adc.json");
    writeFileSync(path, serviceAccount(`${upstream.url}/token`, { project_id: "adc-proj" }));
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
    try {
      await adapter.chat(geminiRequest(), ctx(deployment("gemini-2.5-flash", { params: {} }), null));
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
    }
    assert.equal(google.tokens, 1);
    assert.match(modelCalls().at(-1)?.url ?? "", /^\/v1\/projects\/adc-proj\/locations\/us-central1\//);
  });

  it("appends only :method to an api_base that names the model, as LiteLLM does", async () => {
    const base = `${upstream.url}/v1/projects/p9/locations/asia-east1/publishers/google/models/gemini-2.0-flash`;
    await adapter.chat(geminiRequest(), ctx(deployment("gemini-2.0-flash", { apiBase: base })));
    assert.equal(
      modelCalls().at(-1)?.url,
      "/v1/projects/p9/locations/asia-east1/publishers/google/models/gemini-2.0-flash:generateContent",
    );
  });

  it("calls a tuned model's endpoint by its numeric id, and refuses other publishers' models", async () => {
    await adapter.chat(geminiRequest(), ctx(deployment("4965075652664360960")));
    assert.equal(
      modelCalls().at(-1)?.url,
      "/v1/projects/my-proj/locations/europe-west4/endpoints/4965075652664360960:generateContent",
    );
    await assert.rejects(
      adapter.chat(geminiRequest(), ctx(deployment("meta/llama-3.1-405b"))),
      isErrorClass(ErrorClass.NOT_FOUND),
    );
  });

  it("gives up on a token request when the attempt is cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      adapter.chat(geminiRequest(), ctx(deployment("gemini-2.5-flash"), keyJson, controller.signal)),
      isErrorClass(ErrorClass.CANCELLED),
    );
  });
});
