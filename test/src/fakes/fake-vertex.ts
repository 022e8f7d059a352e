// A fake Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest) and a fake Google OAuth
// token endpoint. The token endpoint runs the JWT-bearer grant for real: it verifies the RS256 signature of the
// assertion with the service account's public key and mints `ya29.fake-vertex-N`. Vertex AI accepts only bearer
// tokens the endpoint minted, answers Gemini models on the google publisher's `:generateContent` and
// `:streamGenerateContent` like the fake Gemini API, and Claude models on the anthropic publisher's `:rawPredict`
// and `:streamRawPredict` like the fake Anthropic API, checking `anthropic_version: "vertex-2023-10-16"`.

import { verify } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicAnswer, anthropicStream } from "./fake-anthropic.js";
import { checkGenerateContentBody, geminiAnswer, geminiStream, googleError } from "./fake-gemini.js";
import {
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  startFake,
} from "./fake-server.js";

/** A fake OAuth token endpoint. */
export interface FakeTokenEndpoint {
  /** The `token_uri` to put in a service-account key. */
  readonly url: string;
  /** The access tokens minted so far, in order. */
  readonly minted: readonly string[];
  close(): Promise<void>;
}

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const VERTEX_PATH =
  /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/(google|anthropic)\/models\/[^/:]+:(generateContent|streamGenerateContent|rawPredict|streamRawPredict)$/;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

/** The OAuth error for a grant, or undefined when its assertion is signed by `publicKey` for `clientEmail`. */
function refuseGrant(body: string, publicKey: string, clientEmail: string): string | undefined {
  const form = new URLSearchParams(body);
  if (form.get("grant_type") !== GRANT_TYPE) return "unsupported_grant_type";
  const [header, payload, signature] = (form.get("assertion") ?? "").split(".");
  if (!header || !payload || !signature) return "invalid_request";
  const data = Buffer.from(`${header}.${payload}`);
  if (!verify("RSA-SHA256", data, publicKey, Buffer.from(signature, "base64url"))) return "invalid_grant";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  return claims.iss === clientEmail && typeof claims.scope === "string" ? undefined : "invalid_grant";
}

/** Starts a token endpoint that accepts assertions of `clientEmail` signed with the key whose public half is given. */
export async function startFakeTokenEndpoint(publicKey: string, clientEmail: string): Promise<FakeTokenEndpoint> {
  const minted: string[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const refused = req.method === "POST" ? refuseGrant(body, publicKey, clientEmail) : "invalid_request";
      if (refused) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: refused, error_description: "refused by the fake token endpoint" }));
        return;
      }
      const token = `ya29.fake-vertex-${minted.length + 1}`;
      minted.push(token);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: token, expires_in: 3600, token_type: "Bearer" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    minted,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function checkClaudeBody(body: unknown): JsonReply | undefined {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const refuse = (message: string) => ({
    status: 400,
    body: { type: "error", error: { type: "invalid_request_error", message } },
  });
  if (b.anthropic_version !== "vertex-2023-10-16")
    return refuse("anthropic_version: Input should be 'vertex-2023-10-16'");
  if ("model" in b) return refuse("model: Extra inputs are not permitted");
  if (typeof b.max_tokens !== "number") return refuse("max_tokens: Field required");
  if (!Array.isArray(b.messages) || b.messages.length === 0) return refuse("messages: Field required");
  return undefined;
}

function check(tokens: FakeTokenEndpoint, req: RecordedRequest): JsonReply | undefined {
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
  if (!bearer || !tokens.minted.includes(bearer)) {
    return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
  }
  return VERTEX_PATH.exec(req.path)?.[1] === "anthropic"
    ? checkClaudeBody(req.body)
    : checkGenerateContentBody(req.body);
}

/**
 * Starts a fake Vertex AI that accepts the tokens `tokens` minted. Deployments point `api_base` at `url` (it replaces
 * `https://{location}-aiplatform.googleapis.com`).
 */
export function startFakeVertex(tokens: FakeTokenEndpoint): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/v1/projects/p/locations/l/publishers/google/models/m:generateContent",
    serves: (path) => VERTEX_PATH.test(path),
    streams: (req) => /:stream(GenerateContent|RawPredict)$/.test(req.path),
    check: (req) => check(tokens, req),
    notFound: (path) => googleError(404, "NOT_FOUND", `Publisher Model \`${path}\` not found.`),
    answer: (body, n) =>
      body.anthropic_version ? anthropicAnswer({ ...body, model: "claude-fake" }, n) : geminiAnswer(body, n),
    stream: (body, n) =>
      body.anthropic_version ? anthropicStream({ ...body, model: "claude-fake" }, n) : geminiStream(body, n),
  };
  return startFake(provider);
}
