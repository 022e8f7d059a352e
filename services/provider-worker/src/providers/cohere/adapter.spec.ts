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
import { cohereAdapter } from "./index.js";
import { richRequest, simpleRequest } from "./testdata/canonical.js";

const KEY = "co-test-key-0123456789abcdef";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);

describe("cohere adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (signal?: AbortSignal) => {
    const dep = testDeployment("cohere", { model: "command-a-03-2025", apiBase: upstream.url });
    return testContext(dep, dispatcher, { apiKey: KEY, ...(signal ? { signal } : {}) });
  };
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
  const firstEvents = () =>
    fixture(import.meta.url, "stream.sse")
      .split("\n\n")
      .slice(0, 3)
      .join("\n\n") + "\n\n";

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the v2 body to /v2/chat with the key only in a Bearer header", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await cohereAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v2/chat");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.equal(seen.headers.accept, "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    const { authorization: _auth, ...others } = seen.headers;
    assert.ok(!JSON.stringify(others).includes(KEY) && !seen.body.includes(KEY));
    assert.equal(out.choices[0]?.message?.content, "An LLM is a large language model.");
    assert.equal(out.usage?.totalTokens, 14);
  });

  for (const name of ["stream.sse", "stream-tools.sse"]) {
    it(`streams ${name} written 1-7 bytes at a time, usage chunk last`, async () => {
      upstream.handle(async (_req, res) => {
        sse(res);
        await writeSlowly(res, fixture(import.meta.url, name));
        res.end();
      });
      const chunks = await collect(cohereAdapter.streamChat(richRequest(true, false), ctx()));
      const seen = upstream.seen.at(-1)!;
      assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request-stream.json")));
      assert.equal(seen.headers.accept, "text/event-stream");
      assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
      assert.ok(chunks.at(-2)?.choices[0]?.finishReason);
      assert.equal(chunks.at(-1)?.choices.length, 0);
      assert.ok((chunks.at(-1)?.usage?.totalTokens ?? 0) > 0);
    });
  }

  it("throws the classified error of an error event mid-stream, and of a failed generation", async () => {
    upstream.handle((_req, res) =>
      sse(res).end(`${firstEvents()}event: error\ndata: {"message":"internal server error"}\n\n`),
    );
    await assert.rejects(
      collect(cohereAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
    upstream.handle((_req, res) => sse(res).end(fixture(import.meta.url, "stream-error.sse")));
    await assert.rejects(
      collect(cohereAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
  });

  it("throws UNAVAILABLE on a connection reset or a stream cut before message-end", async () => {
    upstream.handle((_req, res) => {
      sse(res).write(firstEvents());
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await assert.rejects(
      collect(cohereAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
    upstream.handle((_req, res) => sse(res).end(firstEvents()));
    await assert.rejects(
      collect(cohereAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
  });

  it("classifies 429 with Retry-After, 498 and a 400 with its message", async () => {
    send(429, fixture(import.meta.url, "error-429.json"), { "retry-after": "3" });
    await assert.rejects(cohereAdapter.chat(simpleRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      assert.equal((err as GatewayError).detail.retryAfterSeconds, 3);
      return true;
    });
    send(498, fixture(import.meta.url, "error-498.json"));
    await assert.rejects(collect(cohereAdapter.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.AUTH));
    send(400, fixture(import.meta.url, "error-400-context.json"));
    await assert.rejects(cohereAdapter.chat(simpleRequest(), ctx()), isClass(ErrorClass.CONTEXT_WINDOW_EXCEEDED));
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      sse(res).write(firstEvents());
    });
    const controller = new AbortController();
    const stream = cohereAdapter.streamChat(simpleRequest(true), ctx(controller.signal))[Symbol.asyncIterator]();
    await stream.next();
    await stream.next();
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });
});
