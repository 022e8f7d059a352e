import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
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
import { createWatsonxAdapter } from "./index.js";
import { richRequest, simpleRequest } from "./testdata/canonical.js";

const KEY = "wx-ibm-cloud-apikey-0123456789abcdef";
const TOKEN = "eyJraWQiOiJ0ZXN0IiwiYWxnIjoiUlMyNTYifQ.iam-token-1";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);

describe("watsonx adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let clock = Date.parse("2026-12-06T10:00:00Z");
  /** The IAM double's status; its tokens expire an hour after the clock when minted. */
  let iamStatus = 200;
  let chat: (res: ServerResponse, body: string) => unknown = (res) => res.writeHead(500).end();
  const adapter = () => createWatsonxAdapter({ env: {}, now: () => clock });
  let wx = adapter();
  const iamUrl = () => `${upstream.url}/identity/token`;
  const ctx = (
    over: { params?: Record<string, unknown>; model?: string; apiVersion?: string; token?: string } = {},
  ): AttemptContext => {
    const dep = testDeployment("watsonx", {
      model: over.model ?? "ibm/granite-3-8b-instruct",
      apiBase: `${upstream.url}/`,
      params: over.params ?? { project_id: "proj-1234" },
      ...(over.apiVersion ? { apiVersion: over.apiVersion } : {}),
    });
    return {
      ...testContext(dep, dispatcher, { apiKey: KEY }),
      ...(over.token ? { credentials: { token: over.token } } : {}),
    };
  };
  const send = (status: number, body: string) => {
    chat = (res) => res.writeHead(status, { "content-type": "application/json" }).end(body);
  };
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
  const iamCalls = () => upstream.seen.filter((s) => s.url === "/identity/token");

  before(async () => {
    upstream = await startUpstream();
    upstream.handle((req, res, body) => {
      if (req.url !== "/identity/token") return chat(res, body);
      if (iamStatus !== 200)
        return res.writeHead(iamStatus, { "content-type": "application/json" }).end(data("iam-error-400.json"));
      const expiration = String(Math.floor(clock / 1000) + 3600);
      return res
        .writeHead(200, { "content-type": "application/json" })
        .end(data("iam-token.json").replace("EXPIRATION", expiration));
    });
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("exchanges the API key at IAM (form body), then POSTs the chat body with the token and parses the answer", async () => {
    wx = createWatsonxAdapter({ env: { WATSONX_IAM_URL: iamUrl() }, now: () => clock });
    send(200, data("response.json"));
    const out = await wx.chat(richRequest(), ctx());
    const [iam] = iamCalls();
    assert.equal(iam?.method, "POST");
    assert.equal(iam?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(iam?.body)), {
      grant_type: "urn:ibm:params:oauth:grant-type:apikey",
      apikey: KEY,
    });
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/ml/v1/text/chat?version=2024-05-31");
    assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.ok(!seen.body.includes(KEY) && !JSON.stringify(seen.headers).includes(KEY));
    assert.equal(out.id, "chatcmpl-5d0c3f9a1b2e4c7d8e9f");
    assert.equal(out.model, "ibm/granite-3-8b-instruct");
    assert.equal(out.choices[0]?.message?.content, "It is a cat.");
    assert.equal(out.usage?.totalTokens, 48);
    assert.equal(out.extraJson, "", "watsonx-only fields are not passed on");
  });

  it("caches the token, shares one exchange between concurrent calls, and refreshes it before expiry", async () => {
    wx = createWatsonxAdapter({ env: { WATSONX_IAM_URL: iamUrl() }, now: () => clock });
    send(200, data("response.json"));
    const before = iamCalls().length;
    await Promise.all([
      wx.chat(simpleRequest(), ctx()),
      wx.chat(simpleRequest(), ctx()),
      wx.chat(simpleRequest(), ctx()),
    ]);
    assert.equal(iamCalls().length, before + 1);
    clock += 50 * 60_000;
    await wx.chat(simpleRequest(), ctx());
    assert.equal(iamCalls().length, before + 1, "still fresh 10 minutes before expiry");
    clock += 6 * 60_000;
    await wx.chat(simpleRequest(), ctx());
    assert.equal(iamCalls().length, before + 2, "replaced within the 5-minute margin");
  });

  it("maps an IAM rejection to AUTH without the key, and uses a ready token credential without IAM", async () => {
    wx = createWatsonxAdapter({ env: { WATSONX_IAM_URL: iamUrl() }, now: () => clock });
    const chats = () => upstream.seen.length - iamCalls().length;
    const before = chats();
    iamStatus = 400;
    try {
      await assert.rejects(wx.chat(simpleRequest(), ctx()), isClass(ErrorClass.AUTH));
    } finally {
      iamStatus = 200;
    }
    assert.equal(chats(), before, "no chat call without a token");
    send(200, data("response.json"));
    const iam = iamCalls().length;
    await wx.chat(simpleRequest(), ctx({ token: "ready-made-token" }));
    assert.equal(iamCalls().length, iam);
    assert.equal(upstream.seen.at(-1)?.headers.authorization, "Bearer ready-made-token");
  });

  it("streams /text/chat_stream written 1-7 bytes at a time, splitting the last chunk's usage off", async () => {
    wx = createWatsonxAdapter({ env: { WATSONX_IAM_URL: iamUrl() }, now: () => clock });
    chat = async (res) => {
      sse(res);
      await writeSlowly(res, data("stream.sse"));
      res.end();
    };
    const chunks = await collect(wx.streamChat(richRequest(true), ctx({ apiVersion: "2025-02-11" })));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/ml/v1/text/chat_stream?version=2025-02-11");
    assert.equal(seen.headers.accept, "text/event-stream");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cat ☀️.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-2)?.usage, undefined);
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 48);
  });

  it("streams tool call deltas, and fails a stream with an error event or cut before its finish_reason", async () => {
    chat = (res) => sse(res).end(data("stream-tools.sse"));
    const chunks = await collect(wx.streamChat(simpleRequest(true), ctx()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.equal(calls[0]?.name, "lookup");
    assert.equal(calls.map((c) => c.arguments ?? "").join(""), '{"q": "dog"}');
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 170);
    chat = (res) => sse(res).end(data("stream-error.sse"));
    await assert.rejects(collect(wx.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    chat = (res) => sse(res).end(data("stream.sse").split("\n\n").slice(0, 2).join("\n\n"));
    await assert.rejects(collect(wx.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 400, 400 context, 401, 404, 429 and 503 error bodies", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [400, "error-400.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [401, "error-401.json", ErrorClass.AUTH],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [503, "error-503.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(wx.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(wx.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    send(200, data("response.json"));
    await wx.chat(simpleRequest(), ctx());
    const iam = iamCalls().length;
    send(401, data("error-401.json"));
    await assert.rejects(wx.chat(simpleRequest(), ctx()), isClass(ErrorClass.AUTH));
    send(200, data("response.json"));
    await wx.chat(simpleRequest(), ctx());
    assert.equal(iamCalls().length, iam + 1, "a token refused with 401 is dropped from the cache");
    send(400, data("error-400.json"));
    await assert.rejects(wx.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.match((err as GatewayError).message, /project_id/);
      assert.equal((err as GatewayError).detail.code, "json_validation_error");
      return true;
    });
  });

  it("runs in a space, or in a deployed model's space, and needs a project or space otherwise", async () => {
    send(200, data("response.json"));
    await wx.chat(simpleRequest(), ctx({ params: { space_id: "space-9" } }));
    let body = JSON.parse(upstream.seen.at(-1)!.body);
    assert.equal(body.space_id, "space-9");
    assert.equal(body.project_id, undefined);
    await wx.chat(simpleRequest(), ctx({ model: "deployment/dep-42", params: {} }));
    body = JSON.parse(upstream.seen.at(-1)!.body);
    assert.equal(upstream.seen.at(-1)?.url, "/ml/v1/deployments/dep-42/text/chat?version=2024-05-31");
    assert.equal(body.model_id, undefined);
    await assert.rejects(wx.chat(simpleRequest(), ctx({ params: {} })), isClass(ErrorClass.INTERNAL));
    const fromEnv = createWatsonxAdapter({ env: { WATSONX_IAM_URL: iamUrl(), WATSONX_PROJECT_ID: "proj-env" } });
    await fromEnv.chat(simpleRequest(), ctx({ params: {} }));
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).project_id, "proj-env");
  });

  it("maps tool_choice: a mode to tool_choice_option, a named function to tool_choice", async () => {
    send(200, data("response-tools.json"));
    const req = richRequest();
    req.toolChoice = { $typeName: "switchyard.llm.v1.ToolChoice", choice: { case: "functionName", value: "lookup" } };
    const out = await wx.chat(req, ctx());
    const body = JSON.parse(upstream.seen.at(-1)!.body);
    assert.deepEqual(body.tool_choice, { type: "function", function: { name: "lookup" } });
    assert.equal(body.tool_choice_option, undefined);
    assert.equal(out.choices[0]?.message?.toolCalls[0]?.function?.arguments, '{"q": "dog"}');
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
  });
});
