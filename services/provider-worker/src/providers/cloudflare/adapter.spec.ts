import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
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
import { createCloudflareAdapter } from "./index.js";
import { richRequest, simpleRequest } from "./testdata/canonical.js";

const KEY = "cf-api-token-0123456789abcdef";
const MODEL = "@cf/meta/llama-3.1-8b-instruct";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);

describe("cloudflare adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const cf = createCloudflareAdapter({ env: {} });
  const ctx = (params: Record<string, unknown> = {}) =>
    testContext(
      testDeployment("cloudflare", {
        model: MODEL,
        apiBase: `${upstream.url}/client/v4/accounts/acc-1/ai/run/`,
        params,
      }),
      dispatcher,
      { apiKey: KEY },
    );
  const send = (status: number, body: string) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs {messages, sampling} to /ai/run/{model} with a Bearer token and unwraps result.response", async () => {
    send(200, data("response.json"));
    const out = await cf.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, `/client/v4/accounts/acc-1/ai/run/${MODEL}`);
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(out.choices[0]?.message?.content, "Light scatters.");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.equal(out.model, MODEL);
    assert.match(out.id, /^chatcmpl-/);
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [41, 4, 45]);
  });

  it("builds the public URL from account_id or CLOUDFLARE_ACCOUNT_ID when no api_base is set", async () => {
    const { runUrl } = await import("./api.js");
    const dep = testDeployment("cloudflare", { model: MODEL, params: { account_id: "acc-9" } });
    assert.equal(runUrl(dep, {}), `https://api.cloudflare.com/client/v4/accounts/acc-9/ai/run/${MODEL}`);
    const envDep = testDeployment("cloudflare", { model: MODEL });
    assert.equal(
      runUrl(envDep, { CLOUDFLARE_ACCOUNT_ID: "acc-env" }),
      `https://api.cloudflare.com/client/v4/accounts/acc-env/ai/run/${MODEL}`,
    );
    assert.throws(() => runUrl(envDep, {}), isClass(ErrorClass.INTERNAL));
  });

  it("streams SSE written 1-7 bytes at a time: role first, text, finish_reason at [DONE], usage chunk last", async () => {
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, data("stream.sse"));
      res.end();
    });
    const chunks = await collect(cf.streamChat(richRequest(true), ctx()));
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), JSON.parse(data("request-stream.json")));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Light scatters ☀️.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 45);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  });

  it("counts the tokens, marked estimated, when Workers AI sends an empty usage object", async () => {
    const body = JSON.parse(data("response-no-usage.json"));
    body.result.usage = {};
    send(200, JSON.stringify(body));
    const out = await cf.chat(simpleRequest(), ctx());
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 0 && (out.usage?.completionTokens ?? 0) > 0);
  });

  it("counts the tokens with the gateway's tokenizer, marked estimated, when Workers AI sends no usage", async () => {
    send(200, data("response-no-usage.json"));
    const out = await cf.chat(simpleRequest(), ctx());
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 0 && (out.usage?.completionTokens ?? 0) > 0);
    assert.equal(out.usage?.totalTokens, (out.usage?.promptTokens ?? 0) + (out.usage?.completionTokens ?? 0));
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, data("stream-no-usage.sse"));
      res.end();
    });
    const chunks = await collect(cf.streamChat(simpleRequest(true), ctx()));
    const usage = chunks.at(-1)?.usage;
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(usage?.estimated, true);
    assert.equal(usage?.completionTokens, out.usage?.completionTokens, "the same text counts the same");
    assert.equal(usage?.promptTokens, out.usage?.promptTokens);
  });

  it("fails a stream cut before [DONE], and one carrying an error envelope", async () => {
    upstream.handle((_req, res) => sse(res).end(data("stream.sse").split("\n\n").slice(0, 2).join("\n\n")));
    await assert.rejects(collect(cf.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => sse(res).end(`data: ${data("error-500.json").trim()}\n\n`));
    await assert.rejects(collect(cf.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies the v4 error envelope by status and code", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [401, "error-401.json", ErrorClass.AUTH],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [400, "error-400.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [429, "error-429-capacity.json", ErrorClass.UNAVAILABLE],
      [429, "error-429-quota.json", ErrorClass.RATE_LIMITED],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(cf.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(cf.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    send(200, data("error-400.json"));
    await assert.rejects(cf.chat(simpleRequest(), ctx()), isClass(ErrorClass.UNAVAILABLE));
  });

  it("refuses tools, images and other unsupported fields with a 400 naming them, unless drop_params", async () => {
    const refused = (param: string) => (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, ErrorClass.INVALID_REQUEST);
      assert.equal(err.detail.param, param);
      assert.match(err.message, /cloudflare/);
      return true;
    };
    const withTools = simpleRequest(false, {
      tools: [{ type: "function", function: { name: "f", parametersJson: '{"type":"object"}' } }],
    });
    await assert.rejects(cf.chat(withTools, ctx()), refused("tools"));
    await assert.rejects(
      cf.chat(simpleRequest(false, { responseFormat: { type: "json_object" } }), ctx()),
      refused("response_format"),
    );
    const image = simpleRequest(false, {
      messages: [
        {
          role: llm.Role.USER,
          content: {
            case: "parts",
            value: { parts: [{ part: { case: "imageUrl", value: { url: "https://x/y.png" } } }] },
          },
        },
      ],
    });
    await assert.rejects(cf.chat(image, ctx()), refused("messages[0].content"));
    send(200, data("response.json"));
    await cf.chat(withTools, ctx({ drop_params: true }));
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).tools, undefined);
  });
});
