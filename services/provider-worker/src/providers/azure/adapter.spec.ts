import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { richRequest } from "../openai/testdata/canonical.js";
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
import type { AttemptContext } from "../types.js";
import { azureAdapter } from "./index.js";

const KEY = "azure-test-key-0123456789abcdef";
const AD_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.static-ad-token";
const { ErrorClass } = llm;
const PATH = "/openai/deployments/gpt-4o-prod/chat/completions";
const EMBED_PATH = "/openai/deployments/embed-prod/embeddings";

/** Two texts to embed, 4 dimensions, for a user. */
const embeddingRequest = () =>
  create(llm.EmbeddingRequestSchema, {
    model: "embeddings",
    texts: ["The food was delicious and the waiter...", "Dinner was great"],
    dimensions: 4,
    user: "user-1234",
  });

const isClass = (cls: llm.ErrorClass, secret = KEY) => isErrorClass(cls, secret);

describe("azure adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (
    overrides: Partial<Deployment> = {},
    auth: { apiKey?: string; credentials?: Record<string, string> } = { apiKey: KEY },
  ): AttemptContext => {
    const dep = testDeployment("azure", { model: "gpt-4o-prod", apiBase: `${upstream.url}/`, ...overrides });
    const base = testContext(dep, dispatcher, auth.apiKey ? { apiKey: auth.apiKey } : {});
    return auth.credentials ? { ...base, credentials: auth.credentials } : base;
  };
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
  const streamOf = (name: string) =>
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, fixture(import.meta.url, name));
      res.end();
    });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs OpenAI's body to the deployment path with api-version and the key only in api-key", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await azureAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `${PATH}?api-version=2025-02-01-preview`);
    assert.equal(seen.headers["api-key"], KEY);
    assert.equal(seen.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    const { "api-key": _key, ...others } = seen.headers;
    assert.ok(!JSON.stringify(others).includes(KEY) && !seen.body.includes(KEY));
    assert.equal(out.choices[0]?.message?.content, "It is a cat.");
    assert.equal(out.usage?.totalTokens, 29);
    assert.match(out.choices[0]?.extraJson ?? "", /content_filter_results/);
  });

  it("streams written 1-7 bytes at a time, dropping the prompt-filter chunk, usage chunk last", async () => {
    streamOf("stream.sse");
    const chunks = await collect(azureAdapter.streamChat(richRequest(true, false), ctx({ apiVersion: "2024-10-21" })));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `${PATH}?api-version=2024-10-21`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request-stream.json")));
    assert.ok(chunks.every((c) => c.id === "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cät 🐈.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 29);
  });

  it("leaves stream_options out for API versions older than 2024-09-01, which reject it", async () => {
    streamOf("stream.sse");
    await collect(azureAdapter.streamChat(richRequest(true), ctx({ apiVersion: "2024-06-01" })));
    const body = JSON.parse(upstream.seen.at(-1)!.body) as Record<string, unknown>;
    assert.equal(body.stream, true);
    assert.equal(body.stream_options, undefined);
  });

  it("calls the deployment named after LiteLLM's o_series/ prefix, and accepts an api_base ending in /openai", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    await azureAdapter.chat(richRequest(), ctx({ model: "o_series/o3-prod", apiBase: `${upstream.url}/openai/` }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/openai/deployments/o3-prod/chat/completions?api-version=2025-02-01-preview");
    assert.equal((JSON.parse(seen.body) as { model: string }).model, "o3-prod");
  });

  it("sends a static azure_ad_token as a Bearer token instead of the key, and keeps it out of errors", async () => {
    upstream.handle((_req, res) =>
      res
        .writeHead(401, { "content-type": "application/json" })
        .end(`{"error":{"code":"401","message":"bad ${AD_TOKEN}"}}`),
    );
    const adCtx = ctx({}, { apiKey: KEY, credentials: { azure_ad_token: AD_TOKEN } });
    await assert.rejects(azureAdapter.chat(richRequest(), adCtx), (err: unknown) => {
      isClass(ErrorClass.AUTH, AD_TOKEN)(err);
      assert.ok(!String((err as GatewayError).cause).includes(AD_TOKEN));
      return true;
    });
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.authorization, `Bearer ${AD_TOKEN}`);
    assert.equal(seen.headers["api-key"], undefined);
  });

  it("turns a completion the content filter withheld into CONTENT_POLICY", async () => {
    send(200, fixture(import.meta.url, "response-filtered.json"));
    await assert.rejects(azureAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.CONTENT_POLICY)(err);
      assert.equal((err as GatewayError).detail.code, "content_filter");
      return true;
    });
  });

  it("fails a stream filtered before any output with CONTENT_POLICY, yielding nothing first", async () => {
    streamOf("stream-filtered.sse");
    const seen: llm.ChatCompletionChunk[] = [];
    await assert.rejects(async () => {
      for await (const chunk of azureAdapter.streamChat(richRequest(true), ctx())) seen.push(chunk);
    }, isClass(ErrorClass.CONTENT_POLICY));
    assert.equal(seen.length, 0);
  });

  it("keeps a content_filter finish_reason after some output", async () => {
    streamOf("stream-filtered-late.sse");
    const chunks = await collect(azureAdapter.streamChat(richRequest(true), ctx()));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "content_filter");
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 2);
  });

  it("throws the classified error of an error frame mid-stream", async () => {
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream-error.sse")));
    await assert.rejects(collect(azureAdapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies a content-filtered prompt, a 429 with retry-after-ms, and a missing deployment", async () => {
    send(400, fixture(import.meta.url, "error-400-content-filter.json"));
    await assert.rejects(azureAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.CONTENT_POLICY)(err);
      const detail = (err as GatewayError).detail;
      assert.deepEqual([detail.httpStatus, detail.code, detail.param], [400, "content_filter", "prompt"]);
      return true;
    });
    send(429, fixture(import.meta.url, "error-429.json"), { "retry-after": "6", "retry-after-ms": "6000" });
    await assert.rejects(collect(azureAdapter.streamChat(richRequest(true), ctx())), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      assert.equal((err as GatewayError).detail.retryAfterSeconds, 6);
      return true;
    });
    send(404, fixture(import.meta.url, "error-404.json"));
    await assert.rejects(azureAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.NOT_FOUND));
  });

  it("embeds at the deployment's /embeddings with api-version, OpenAI's body and the key only in api-key", async () => {
    send(200, fixture(import.meta.url, "embeddings-response.json"));
    const out = await azureAdapter.embed!(embeddingRequest(), ctx({ model: "embed-prod", apiVersion: "2024-10-21" }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, `${EMBED_PATH}?api-version=2024-10-21`);
    assert.equal(seen.headers["api-key"], KEY);
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "embeddings-request.json")));
    assert.equal(out.model, "text-embedding-3-small");
    assert.deepEqual(
      out.data.map((e) => [e.index, e.vector.length]),
      [
        [0, 4],
        [1, 4],
      ],
    );
    assert.equal(out.data[0]?.vector[0], -0.012838088);
    assert.deepEqual([out.usage?.promptTokens, out.usage?.totalTokens], [12, 12]);
  });

  it("embeds with an Entra ID token instead of the key, under LiteLLM's default api-version", async () => {
    send(200, fixture(import.meta.url, "embeddings-response.json"));
    const adCtx = ctx({ model: "embed-prod" }, { credentials: { azure_ad_token: AD_TOKEN } });
    await azureAdapter.embed!(embeddingRequest(), adCtx);
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `${EMBED_PATH}?api-version=2025-02-01-preview`);
    assert.equal(seen.headers.authorization, `Bearer ${AD_TOKEN}`);
    assert.equal(seen.headers["api-key"], undefined);
  });

  it("classifies an embeddings input over the context window, a 429 and a missing deployment", async () => {
    const embedCtx = ctx({ model: "embed-prod" });
    send(400, fixture(import.meta.url, "error-400-embeddings-context.json"));
    await assert.rejects(azureAdapter.embed!(embeddingRequest(), embedCtx), (err: unknown) => {
      isClass(ErrorClass.CONTEXT_WINDOW_EXCEEDED)(err);
      assert.equal((err as GatewayError).detail.httpStatus, 400);
      return true;
    });
    send(429, fixture(import.meta.url, "error-429.json"), { "retry-after": "6" });
    await assert.rejects(azureAdapter.embed!(embeddingRequest(), embedCtx), isClass(ErrorClass.RATE_LIMITED));
    send(404, fixture(import.meta.url, "error-404.json"));
    await assert.rejects(azureAdapter.embed!(embeddingRequest(), embedCtx), isClass(ErrorClass.NOT_FOUND));
  });

  it("refuses a deployment with no credential, or half a client-credentials grant, naming what is missing", async () => {
    await assert.rejects(azureAdapter.chat(richRequest(), ctx({}, {})), /needs an api_key, an azure_ad_token/);
    const half = ctx({ params: { tenant_id: "tenant-1" } }, { credentials: { client_secret: "s3cret-value" } });
    await assert.rejects(azureAdapter.chat(richRequest(), half), (err: unknown) => {
      isClass(ErrorClass.INTERNAL, "s3cret-value")(err);
      assert.match((err as Error).message, /needs client_id/);
      return true;
    });
  });
});
