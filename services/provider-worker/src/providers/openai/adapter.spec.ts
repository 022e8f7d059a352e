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
import { openaiAdapter } from "./index.js";
import { richRequest } from "./testdata/canonical.js";

const KEY = "sk-test-openai-key-0123456789";
const { ErrorClass } = llm;

const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);

describe("openai adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (signal?: AbortSignal) => {
    const dep = testDeployment("openai", {
      model: "gpt-4o-2024-08-06",
      apiBase: `${upstream.url}/v1`,
      organization: "org-switchyard",
    });
    return testContext(dep, dispatcher, { apiKey: KEY, ...(signal ? { signal } : {}) });
  };
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
  const firstFrames = () =>
    fixture(import.meta.url, "stream.sse")
      .split("\n\n")
      .slice(0, 2)
      .join("\n\n") + "\n\n";

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the body to /v1/chat/completions with the key only in Authorization", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await openaiAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1/chat/completions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen.headers["openai-organization"], "org-switchyard");
    assert.equal(seen.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    const { authorization: _auth, ...others } = seen.headers;
    assert.ok(!JSON.stringify(others).includes(KEY) && !seen.body.includes(KEY));
    assert.equal(out.choices[0]?.message?.content, "It is a cat.");
  });

  for (const name of ["stream.sse", "stream-compat.sse"]) {
    it(`streams ${name} written 1-7 bytes at a time, usage chunk included`, async () => {
      upstream.handle(async (_req, res) => {
        sse(res);
        await writeSlowly(res, fixture(import.meta.url, name));
        res.end();
      });
      const chunks = await collect(openaiAdapter.streamChat(richRequest(true, false), ctx()));
      assert.deepEqual(
        JSON.parse(upstream.seen.at(-1)!.body),
        JSON.parse(fixture(import.meta.url, "request-stream.json")),
      );
      assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cät 🐈.");
      assert.equal(chunks.at(-1)?.choices.length, 0);
      assert.equal(chunks.at(-1)?.usage?.totalTokens, 29);
    });
  }

  it("throws the classified error of an error frame mid-stream", async () => {
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream-error.sse")));
    await assert.rejects(collect(openaiAdapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("throws UNAVAILABLE on a connection reset or a stream cut before [DONE]", async () => {
    upstream.handle((_req, res) => {
      sse(res).write(firstFrames());
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await assert.rejects(collect(openaiAdapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => sse(res).end(firstFrames()));
    await assert.rejects(collect(openaiAdapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 429 with Retry-After, 500 and a 400 with its param", async () => {
    send(429, fixture(import.meta.url, "error-429.json"), { "retry-after": "3" });
    await assert.rejects(openaiAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      assert.equal((err as GatewayError).detail.retryAfterSeconds, 3);
      return true;
    });
    send(500, fixture(import.meta.url, "error-500.json"));
    await assert.rejects(collect(openaiAdapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    send(400, fixture(import.meta.url, "error-400-param.json"));
    await assert.rejects(openaiAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.INVALID_REQUEST)(err);
      const detail = (err as GatewayError).detail;
      assert.deepEqual([detail.httpStatus, detail.param, detail.type], [400, "temperature", "invalid_request_error"]);
      return true;
    });
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      sse(res).write(firstFrames());
    });
    const controller = new AbortController();
    const stream = openaiAdapter.streamChat(richRequest(true), ctx(controller.signal))[Symbol.asyncIterator]();
    await stream.next();
    await stream.next();
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });
});
