import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { MAX_RESPONSE_BYTES, postJson, postStream, type UpstreamPost } from "./http.js";
import { classifyOpenAIError } from "./openai/errors.js";
import {
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "./testkit.js";

const { ErrorClass } = llm;
const KEY = "sk-http-spec-secret-key";

const isClass = (cls: llm.ErrorClass) => isErrorClass(cls);

describe("postJson and postStream", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const post = (): UpstreamPost => ({
    url: `${upstream.url}/x`,
    headers: { authorization: `Bearer ${KEY}` },
    body: { hello: "world" },
    classify: classifyOpenAIError,
  });
  const ctx = (overrides: Parameters<typeof testDeployment>[1] = {}, signal?: AbortSignal) =>
    testContext(testDeployment("openai", overrides), dispatcher, { apiKey: KEY, ...(signal ? { signal } : {}) });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("sends JSON and parses the JSON answer", async () => {
    upstream.handle((_req, res) => res.writeHead(200).end('{"ok":true}'));
    assert.deepEqual(await postJson(ctx(), post()), { ok: true });
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers["content-type"], "application/json");
    assert.equal(seen.body, '{"hello":"world"}');
  });

  it("times out after the deployment's timeoutMs", async () => {
    upstream.handle(() => undefined);
    const started = Date.now();
    await assert.rejects(postJson(ctx({ timeoutMs: 150 }), post()), isClass(ErrorClass.TIMEOUT));
    assert.ok(Date.now() - started < 2000);
  });

  it("times out a stream that goes idle for streamTimeoutMs", async () => {
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).write("data: 1\n\n"));
    const stream = await postStream(ctx({ streamTimeoutMs: 150 }), post());
    await assert.rejects(
      (async () => {
        for await (const _ of stream.body);
      })().catch((err: unknown) => Promise.reject(stream.fail(err))),
      isClass(ErrorClass.TIMEOUT),
    );
  });

  it("reports CANCELLED for a caller abort and TIMEOUT for a deadline abort", async () => {
    upstream.handle(() => undefined);
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 50);
    await assert.rejects(postJson(ctx({}, caller.signal), post()), isClass(ErrorClass.CANCELLED));
    await assert.rejects(postJson(ctx({}, AbortSignal.timeout(50)), post()), isClass(ErrorClass.TIMEOUT));
  });

  it("redacts the key from an echoed error body", async () => {
    const body = JSON.stringify({
      error: { message: `bad value near ${KEY}`, type: "invalid_request_error", param: "x" },
    });
    upstream.handle((_req, res) => res.writeHead(400).end(body));
    await assert.rejects(postJson(ctx(), post()), (err: unknown) => {
      isClass(ErrorClass.INVALID_REQUEST)(err);
      assert.equal((err as Error).message, "bad value near [redacted]");
      return true;
    });
  });

  it("refuses invalid JSON and oversized bodies as UNAVAILABLE", async () => {
    upstream.handle((_req, res) => res.writeHead(200).end("{not json"));
    await assert.rejects(postJson(ctx(), post()), isClass(ErrorClass.UNAVAILABLE));
    const piece = Buffer.alloc(1024 * 1024, 0x20);
    upstream.handle((_req, res) => {
      res.writeHead(200);
      for (let i = 0; i <= MAX_RESPONSE_BYTES / piece.length; i++) res.write(piece);
      res.end();
    });
    await assert.rejects(postJson(ctx(), post()), (err: unknown) => {
      isClass(ErrorClass.UNAVAILABLE)(err);
      assert.match((err as Error).message, /larger than/);
      return true;
    });
  });
});
