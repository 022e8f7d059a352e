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
import { anthropicAdapter } from "./index.js";
import { richRequest } from "./testdata/canonical.js";

const KEY = "sk-ant-api03-test-key-0123456789";
const { ErrorClass } = llm;

const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);

describe("anthropic adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (signal?: AbortSignal) => {
    const dep = testDeployment("anthropic", { model: "claude-sonnet-4-20250514", apiBase: upstream.url });
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

  it("POSTs the translated body to /v1/messages with the key only in x-api-key", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await anthropicAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1/messages");
    assert.equal(seen.headers["x-api-key"], KEY);
    assert.equal(seen.headers["anthropic-version"], "2023-06-01");
    assert.equal(seen.headers["content-type"], "application/json");
    assert.equal(seen.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    const { "x-api-key": _key, ...others } = seen.headers;
    assert.ok(!JSON.stringify(others).includes(KEY) && !seen.body.includes(KEY));
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.usage?.promptTokens, 2620);
  });

  it("streams a fixture written 1-7 bytes at a time", async () => {
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, fixture(import.meta.url, "stream.sse"));
      res.end();
    });
    const chunks = await collect(anthropicAdapter.streamChat(richRequest(), ctx()));
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).stream, true);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 15);
  });

  it("throws UNAVAILABLE for an error event mid-stream", async () => {
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream-error.sse")));
    await assert.rejects(collect(anthropicAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("throws UNAVAILABLE when the connection resets mid-stream", async () => {
    upstream.handle((_req, res) => {
      sse(res).write(fixture(import.meta.url, "stream.sse").slice(0, 400));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await assert.rejects(collect(anthropicAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("throws UNAVAILABLE when the stream ends before message_stop", async () => {
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream.sse").slice(0, 400)));
    await assert.rejects(collect(anthropicAdapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 429 with Retry-After", async () => {
    send(429, fixture(import.meta.url, "error-429.json"), { "retry-after": "17" });
    await assert.rejects(anthropicAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      const e = err as GatewayError;
      assert.equal(e.detail.retryAfterSeconds, 17);
      assert.equal(e.detail.httpStatus, 429);
      assert.equal(e.detail.provider, "anthropic");
      assert.equal(e.detail.deploymentId, "anthropic-test/0");
      return true;
    });
  });

  it("classifies 500 and 529 as UNAVAILABLE", async () => {
    send(500, fixture(import.meta.url, "error-500.json"));
    await assert.rejects(anthropicAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.UNAVAILABLE));
    send(529, fixture(import.meta.url, "error-529.json"));
    await assert.rejects(anthropicAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.UNAVAILABLE));
  });

  it("keeps the status, message and param of a 400", async () => {
    send(400, fixture(import.meta.url, "error-400-param.json"));
    await assert.rejects(anthropicAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.INVALID_REQUEST)(err);
      const e = err as GatewayError;
      assert.equal(e.detail.httpStatus, 400);
      assert.equal(e.detail.param, "messages[1].content[0].image.source.base64.data");
      assert.match(e.message, /Image does not match/);
      return true;
    });
  });

  it("classifies prompt-too-long as CONTEXT_WINDOW_EXCEEDED and 401 as AUTH", async () => {
    send(400, fixture(import.meta.url, "error-400-context.json"));
    await assert.rejects(anthropicAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.CONTEXT_WINDOW_EXCEEDED));
    send(401, fixture(import.meta.url, "error-401.json"));
    await assert.rejects(anthropicAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.AUTH));
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      sse(res).write(fixture(import.meta.url, "stream.sse").split("event: ping")[0]);
    });
    const controller = new AbortController();
    const stream = anthropicAdapter.streamChat(richRequest(), ctx(controller.signal))[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value?.choices[0]?.delta?.role, "assistant");
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });

  it("closes the upstream connection when the consumer stops early", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      sse(res).write(fixture(import.meta.url, "stream.sse").split("event: ping")[0]);
    });
    for await (const _chunk of anthropicAdapter.streamChat(richRequest(), ctx())) break;
    await closedWithin(response!, 1000);
  });

  it("maps a refused connection to UNAVAILABLE", async () => {
    const dep = testDeployment("anthropic", { apiBase: "http://127.0.0.1:1" });
    await assert.rejects(
      anthropicAdapter.chat(richRequest(), testContext(dep, dispatcher)),
      isClass(ErrorClass.UNAVAILABLE),
    );
  });
});
