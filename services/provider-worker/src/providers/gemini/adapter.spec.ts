import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  closedWithin,
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
import { geminiAdapter } from "./index.js";
import { richRequest } from "./testdata/canonical.js";

const KEY = "AIzaSy-test-key-0123456789abcdef";
const { ErrorClass } = llm;

const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);

describe("gemini adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (signal?: AbortSignal, apiBase = `${upstream.url}/v1beta`) => {
    const dep = testDeployment("gemini", { model: "gemini-2.5-flash", apiBase });
    return testContext(dep, dispatcher, { apiKey: KEY, ...(signal ? { signal } : {}) });
  };
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the translated body to models/{model}:generateContent with the key only in x-goog-api-key", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await geminiAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert.equal(seen.headers["x-goog-api-key"], KEY);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.equal(seen.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    const { "x-goog-api-key": _key, ...others } = seen.headers;
    assert.ok(!seen.url.includes(KEY) && !JSON.stringify(others).includes(KEY) && !seen.body.includes(KEY));
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.usage?.promptTokens, 2620);
  });

  it("adds the /v1beta version path to an api_base that is a bare origin", async () => {
    send(200, fixture(import.meta.url, "response-two.json"));
    await geminiAdapter.chat(richRequest(), ctx(undefined, upstream.url));
    assert.equal(upstream.seen.at(-1)?.url, "/v1beta/models/gemini-2.5-flash:generateContent");
  });

  it("streams from :streamGenerateContent?alt=sse, a fixture written 1-7 bytes at a time", async () => {
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, fixture(import.meta.url, "stream.sse"));
      res.end();
    });
    const chunks = await collect(geminiAdapter.streamChat(richRequest(), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 27);
    assert.equal(chunks.at(-1)?.choices.length, 0);
  });

  it("ignores SSE comments and keep-alives between frames", async () => {
    const frames = fixture(import.meta.url, "stream.sse").split("\r\n\r\n");
    upstream.handle((_req, res) => sse(res).end(frames.join("\r\n\r\n: keep-alive\r\n\r\n")));
    const chunks = await collect(geminiAdapter.streamChat(richRequest(), ctx()));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
  });

  it("throws UNAVAILABLE for an error frame mid-stream, after the chunks before it", async () => {
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream-error.sse")));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of geminiAdapter.streamChat(richRequest(), ctx())) {
        seen.push(chunk.choices[0]?.delta?.content ?? "");
      }
    }, isClass(ErrorClass.UNAVAILABLE));
    assert.equal(seen.join(""), "Hello");
  });

  it("throws CONTENT_POLICY for a prompt blocked in the first frame", async () => {
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream-blocked.sse")));
    await assert.rejects(collect(geminiAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.CONTENT_POLICY));
    send(200, fixture(import.meta.url, "response-safety.json"));
    await assert.rejects(geminiAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.CONTENT_POLICY));
  });

  it("throws UNAVAILABLE when the connection resets mid-stream or the stream ends early", async () => {
    const text = fixture(import.meta.url, "stream.sse");
    upstream.handle((_req, res) => {
      sse(res).write(text.slice(0, 300));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await assert.rejects(collect(geminiAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => sse(res).end(text.split("\r\n\r\n").slice(0, 2).join("\r\n\r\n")));
    await assert.rejects(collect(geminiAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 429 RESOURCE_EXHAUSTED with the RetryInfo delay", async () => {
    send(429, fixture(import.meta.url, "error-429.json"));
    await assert.rejects(geminiAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      const e = err as GatewayError;
      assert.equal(e.detail.retryAfterSeconds, 17);
      assert.equal(e.detail.httpStatus, 429);
      assert.equal(e.detail.deploymentId, "gemini-test/0");
      return true;
    });
  });

  it("classifies an invalid key as AUTH, and never repeats a key the upstream echoes", async () => {
    const echo = JSON.stringify({
      error: { code: 400, message: `API key not valid: ${KEY}`, status: "INVALID_ARGUMENT" },
    });
    send(400, echo);
    await assert.rejects(geminiAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.AUTH)(err);
      const cause = (err as GatewayError).cause as Error;
      assert.ok(!cause.message.includes(KEY), "the logged cause is redacted too");
      return true;
    });
    const context = JSON.stringify({
      error: { code: 400, message: `The input token count (${KEY}) exceeds the maximum`, status: "INVALID_ARGUMENT" },
    });
    send(400, context);
    await assert.rejects(geminiAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.CONTEXT_WINDOW_EXCEEDED));
  });

  it("classifies 500 and 503 as UNAVAILABLE and 404 as NOT_FOUND", async () => {
    send(500, fixture(import.meta.url, "error-500.json"));
    await assert.rejects(geminiAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.UNAVAILABLE));
    send(503, fixture(import.meta.url, "error-503.json"));
    await assert.rejects(collect(geminiAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
    send(404, fixture(import.meta.url, "error-404.json"));
    await assert.rejects(geminiAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.NOT_FOUND));
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      sse(res).write(
        fixture(import.meta.url, "stream.sse")
          .split("\r\n\r\n")
          .slice(0, 2)
          .join("\r\n\r\n") + "\r\n\r\n",
      );
    });
    const controller = new AbortController();
    const stream = geminiAdapter.streamChat(richRequest(), ctx(controller.signal))[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value?.choices[0]?.delta?.role, "assistant");
    await stream.next();
    await stream.next();
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });

  it("maps a refused connection to UNAVAILABLE", async () => {
    const dep = testDeployment("gemini", { apiBase: "http://127.0.0.1:1/v1beta" });
    await assert.rejects(
      geminiAdapter.chat(richRequest(), testContext(dep, dispatcher)),
      isClass(ErrorClass.UNAVAILABLE),
    );
  });
});
