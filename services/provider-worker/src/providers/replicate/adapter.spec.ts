import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
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
import type { AttemptContext } from "../types.js";
import { createReplicateAdapter } from "./index.js";
import { richRequest, simpleRequest } from "./testdata/canonical.js";

const KEY = "r8_test_0123456789abcdefghijklmnopqrstuv";
const MODEL = "meta/meta-llama-3-70b-instruct";
const VERSION = "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => unknown;

describe("replicate adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let routes: Record<string, Route> = {};
  const rp = createReplicateAdapter({ pollInitialMs: 5, pollMaxMs: 20 });
  const based = (name: string) => data(name).replaceAll("BASE", upstream.url);
  const ctx = (
    over: { model?: string; params?: Record<string, unknown>; signal?: AbortSignal; attemptMs?: number } = {},
  ): AttemptContext => ({
    ...testContext(
      testDeployment("replicate", {
        model: over.model ?? MODEL,
        apiBase: `${upstream.url}/v1/`,
        params: over.params ?? {},
      }),
      dispatcher,
      { apiKey: KEY, ...(over.signal ? { signal: over.signal } : {}) },
    ),
    ...(over.attemptMs ? { timeouts: { attemptMs: over.attemptMs } } : {}),
  });
  const json =
    (status: number, body: string, headers: Record<string, string> = {}): Route =>
    (_req, res) =>
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(body);
  const sse =
    (text: string): Route =>
    async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      await writeSlowly(res, text);
      res.end();
    };
  const seen = (method: string, path: string) => upstream.seen.filter((s) => s.method === method && s.url === path);
  const created = `/v1/models/${MODEL}/predictions`;
  const cancels = (id: string) => seen("POST", `/v1/predictions/${id}/cancel`);
  /** The cancel POSTs of `id` once there are `count` (the cancel is sent without waiting for it). */
  const cancelled = async (id: string, count: number) => {
    for (let i = 0; i < 200 && cancels(id).length < count; i++) await sleep(10);
    return cancels(id);
  };

  before(async () => {
    upstream = await startUpstream();
    upstream.handle((req, res, body) => {
      const route = routes[`${req.method} ${req.url}`];
      if (route) return route(req, res, body);
      return res.writeHead(404, { "content-type": "application/problem+json" }).end(data("error-404.json"));
    });
  });
  beforeEach(() => {
    routes = {};
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs {input} to /models/{owner}/{name}/predictions in sync mode and reads the answer and its metrics", async () => {
    routes[`POST ${created}`] = json(201, data("response.json"));
    const out = await rp.chat(richRequest(), ctx());
    const sent = seen("POST", created).at(-1)!;
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.equal(sent.headers.prefer, "wait");
    assert.equal(sent.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(sent.body), JSON.parse(data("request.json")));
    assert.equal(out.id, "chatcmpl-jp9nrd1g2hrj20cjb2vrb55mkr");
    assert.equal(out.model, MODEL);
    assert.equal(out.created, Date.parse("2026-12-06T10:00:00.000Z") / 1000);
    assert.equal(out.choices[0]?.message?.content, "Rome. ☀️");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [38, 4, 42]);
    assert.equal(out.usage?.estimated, false);
  });

  it("sends versions to /predictions and deployments to /deployments/{owner}/{name}/predictions", async () => {
    routes["POST /v1/predictions"] = json(201, data("response-no-metrics.json"));
    await rp.chat(simpleRequest(), ctx({ model: `meta/llama-2-70b-chat:${VERSION}` }));
    assert.deepEqual(JSON.parse(seen("POST", "/v1/predictions").at(-1)!.body), {
      version: VERSION,
      input: { prompt: "Hello" },
    });
    await rp.chat(simpleRequest(), ctx({ model: VERSION }));
    assert.equal(JSON.parse(seen("POST", "/v1/predictions").at(-1)!.body).version, VERSION);
    routes["POST /v1/deployments/acme/my-llama/predictions"] = json(201, data("response-no-metrics.json"));
    await rp.chat(simpleRequest(false, { maxTokens: 9 }), ctx({ model: "deployments/acme/my-llama" }));
    const body = JSON.parse(seen("POST", "/v1/deployments/acme/my-llama/predictions").at(-1)!.body);
    assert.deepEqual(body, { input: { prompt: "Hello", max_new_tokens: 9 } });
    for (const bad of ["llama", "a/b/c", "meta/llama:"]) {
      await assert.rejects(rp.chat(simpleRequest(), ctx({ model: bad })), isClass(ErrorClass.INTERNAL));
    }
  });

  it("uses the default API root, and REPLICATE_API_KEY / REPLICATE_API_TOKEN and REPLICATE_API_BASE as LiteLLM does", async () => {
    const { createUrl } = await import("./api.js");
    assert.equal(
      createUrl(testDeployment("replicate", { model: MODEL })),
      `https://api.replicate.com/v1/models/${MODEL}/predictions`,
    );
    assert.deepEqual(rp.env, { apiKey: ["REPLICATE_API_KEY", "REPLICATE_API_TOKEN"], apiBase: ["REPLICATE_API_BASE"] });
    const keyless = { ...ctx(), apiKey: undefined } as AttemptContext;
    await assert.rejects(rp.chat(simpleRequest(), keyless), isClass(ErrorClass.AUTH));
  });

  it("polls a prediction still processing, on the API's own origin, and reads a cut-off answer as length", async () => {
    const id = "qz7mfxlkw3vdpygt1o8hbnsuae";
    routes[`POST ${created}`] = json(201, data("response-processing.json"));
    let polls = 0;
    routes[`GET /v1/predictions/${id}`] = (req, res, body) =>
      json(200, data(++polls < 3 ? "response-processing.json" : "prediction-succeeded.json"))(req, res, body);
    const out = await rp.chat(simpleRequest(false, { maxTokens: 3 }), ctx());
    assert.equal(polls, 3, "urls.get points at api.replicate.com: the route is taken under api_base instead");
    const poll = seen("GET", `/v1/predictions/${id}`).at(-1)!;
    assert.equal(poll.headers.authorization, `Bearer ${KEY}`);
    assert.equal(poll.headers.accept, "application/json");
    assert.equal(out.choices[0]?.message?.content, "\n\nHi there!");
    assert.equal(out.choices[0]?.finishReason, "length", "3 output tokens of max 3");
    assert.equal(out.usage?.totalTokens, 14);
  });

  it("keeps polling through a 503 and a 429, and gives up after three failures in a row", async () => {
    const id = "qz7mfxlkw3vdpygt1o8hbnsuae";
    routes[`POST ${created}`] = json(201, data("response-processing.json"));
    const answers = [
      json(503, data("error-500.json")),
      json(429, data("error-429.json"), { "retry-after": "0" }),
      json(200, data("prediction-succeeded.json")),
    ];
    routes[`GET /v1/predictions/${id}`] = (req, res, body) => answers.shift()?.(req, res, body);
    assert.equal((await rp.chat(simpleRequest(), ctx())).choices[0]?.message?.content, "\n\nHi there!");
    routes[`GET /v1/predictions/${id}`] = json(503, data("error-500.json"));
    const before = seen("GET", `/v1/predictions/${id}`).length;
    await assert.rejects(rp.chat(simpleRequest(), ctx()), isClass(ErrorClass.UNAVAILABLE));
    assert.equal(seen("GET", `/v1/predictions/${id}`).length - before, 3);
    assert.equal((await cancelled(id, 1)).length, 1, "the abandoned prediction is canceled");
  });

  it("cancels the prediction when the caller goes away while polling, and when the deadline passes", async () => {
    const id = "rrr4z55ocneqzikepnug6xezpe";
    routes[`POST ${created}`] = json(201, based("prediction-starting.json"));
    routes[`GET /v1/predictions/${id}`] = json(200, based("prediction-starting.json"));
    routes[`POST /v1/predictions/${id}/cancel`] = json(200, based("prediction-starting.json"));
    const count = cancels(id).length;
    const caller = new AbortController();
    const call = rp.chat(simpleRequest(), ctx({ signal: caller.signal }));
    await sleep(40);
    caller.abort();
    await assert.rejects(call, isClass(ErrorClass.CANCELLED));
    const cancel = (await cancelled(id, count + 1)).at(-1)!;
    assert.equal(cancel.headers.authorization, `Bearer ${KEY}`);
    await assert.rejects(rp.chat(simpleRequest(), ctx({ attemptMs: 60 })), isClass(ErrorClass.TIMEOUT));
    assert.equal((await cancelled(id, count + 2)).length, count + 2);
  });

  it("estimates the usage, marked estimated, when the prediction reports no token counts; a string output is the text", async () => {
    routes[`POST ${created}`] = json(201, data("response-no-metrics.json"));
    const out = await rp.chat(simpleRequest(), ctx());
    assert.equal(out.choices[0]?.message?.content, "Hello there, how can I help?");
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 0 && (out.usage?.completionTokens ?? 0) > 0);
    assert.equal(out.model, MODEL, "a prediction without `model` is named after the deployment");
  });

  it("streams urls.stream written 1-7 bytes at a time: role first, pieces, finish, usage from the finished prediction", async () => {
    const id = "rrr4z55ocneqzikepnug6xezpe";
    const count = cancels(id).length;
    routes[`POST ${created}`] = json(201, based("prediction-starting.json"));
    routes[`GET /v1/streams/${id}`] = sse(data("stream.sse"));
    routes[`GET /v1/predictions/${id}`] = json(200, based("prediction-streamed.json"));
    const chunks = await collect(rp.streamChat(richRequest(true), ctx()));
    const sent = seen("POST", created).at(-1)!;
    assert.equal(sent.headers.prefer, undefined, "no sync mode for streams");
    assert.deepEqual(JSON.parse(sent.body), { ...JSON.parse(data("request.json")), stream: true });
    const stream = seen("GET", `/v1/streams/${id}`).at(-1)!;
    assert.equal(stream.headers.accept, "text/event-stream");
    assert.equal(stream.headers.authorization, `Bearer ${KEY}`);
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cat\n\nwith a hat ☀️.");
    assert.ok(chunks.every((c) => c.id === `chatcmpl-${id}` && c.model === MODEL));
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [27, 9]);
    assert.equal(chunks.at(-1)?.usage?.estimated, false);
    await sleep(20);
    assert.equal(cancels(id).length, count, "a finished stream cancels nothing");
  });

  it("answers a stream of a model without urls.stream in one piece once its prediction is done", async () => {
    const id = "qz7mfxlkw3vdpygt1o8hbnsuae";
    const started = JSON.parse(data("response-processing.json"));
    delete started.urls.stream;
    routes[`POST ${created}`] = json(201, JSON.stringify(started));
    routes[`GET /v1/predictions/${id}`] = json(200, data("prediction-succeeded.json"));
    const chunks = await collect(rp.streamChat(simpleRequest(true), ctx()));
    assert.deepEqual(
      chunks.map((c) => [
        c.choices[0]?.delta?.role ?? "",
        c.choices[0]?.delta?.content ?? "",
        c.choices[0]?.finishReason ?? "",
      ]),
      [
        ["assistant", "\n\nHi there!", ""],
        ["", "", "stop"],
        ["", "", ""],
      ],
    );
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 14);
  });

  it("estimates a stream's usage when the finished prediction cannot be read", async () => {
    const id = "rrr4z55ocneqzikepnug6xezpe";
    routes[`POST ${created}`] = json(201, based("prediction-starting.json"));
    routes[`GET /v1/streams/${id}`] = sse(data("stream.sse"));
    routes[`GET /v1/predictions/${id}`] = json(500, data("error-500.json"));
    const chunks = await collect(rp.streamChat(simpleRequest(true), ctx()));
    assert.equal(chunks.at(-1)?.usage?.estimated, true);
    assert.ok((chunks.at(-1)?.usage?.completionTokens ?? 0) > 0);
  });

  it("fails a stream on an error event, a canceled done, or a cut before done (canceling it), and on a foreign stream URL", async () => {
    const id = "rrr4z55ocneqzikepnug6xezpe";
    const count = cancels(id).length;
    routes[`POST ${created}`] = json(201, based("prediction-starting.json"));
    routes[`GET /v1/predictions/${id}`] = json(200, based("prediction-starting.json"));
    routes[`GET /v1/streams/${id}`] = sse(data("stream-error.sse"));
    await assert.rejects(collect(rp.streamChat(simpleRequest(true), ctx())), (err: unknown) => {
      assert.equal((err as GatewayError).errorClass, ErrorClass.CONTENT_POLICY);
      assert.match((err as GatewayError).message, /NSFW content detected/);
      return true;
    });
    routes[`GET /v1/streams/${id}`] = sse(data("stream-canceled.sse"));
    await assert.rejects(collect(rp.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    assert.equal(cancels(id).length, count, "a stream that ended (even badly) cancels nothing");
    routes[`GET /v1/streams/${id}`] = sse(data("stream.sse").split("event: done")[0] ?? "");
    await assert.rejects(collect(rp.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    assert.equal((await cancelled(id, count + 1)).length, count + 1);
    const foreign = based("prediction-starting.json").replace(`${upstream.url}/v1/streams`, "https://evil.example/v1");
    routes[`POST ${created}`] = json(201, foreign);
    await assert.rejects(collect(rp.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    assert.ok(!upstream.seen.some((s) => s.url.startsWith("https://evil")));
  });

  it("cancels the prediction when the consumer leaves a stream early", async () => {
    const id = "rrr4z55ocneqzikepnug6xezpe";
    routes[`POST ${created}`] = json(201, based("prediction-starting.json"));
    routes[`GET /v1/streams/${id}`] = async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: output\nid: 1:0\ndata: It\n\n");
    };
    const count = cancels(id).length;
    for await (const chunk of rp.streamChat(simpleRequest(true), ctx())) {
      assert.equal(chunk.choices[0]?.delta?.content, "It");
      break;
    }
    assert.equal((await cancelled(id, count + 1)).length, count + 1);
  });

  it("classifies problem details (401, 402, 404, 422, 429, 500) and failed predictions (NSFW, context, crash)", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [401, "error-401.json", ErrorClass.AUTH],
      [402, "error-402.json", ErrorClass.PERMISSION_DENIED],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [422, "error-422.json", ErrorClass.INVALID_REQUEST],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      routes[`POST ${created}`] = json(status, data(name), { "retry-after": "7" });
      await assert.rejects(rp.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(rp.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    routes[`POST ${created}`] = json(429, data("error-429.json"), { "retry-after": "7" });
    await assert.rejects(rp.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.equal((err as GatewayError).detail.retryAfterSeconds, 7);
      return true;
    });
    routes[`POST ${created}`] = json(422, data("error-422.json"));
    await assert.rejects(rp.chat(simpleRequest(), ctx()), (err: unknown) => {
      const e = err as GatewayError;
      assert.match(e.message, /input\.temperature: Must be less than or equal to 5/);
      assert.equal(e.detail.param, "input.temperature");
      assert.equal(e.detail.httpStatus, 422);
      return true;
    });
    const failed: [string, llm.ErrorClass, RegExp][] = [
      ["prediction-failed-nsfw.json", ErrorClass.CONTENT_POLICY, /NSFW content detected/],
      ["prediction-failed-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED, /exceeds maximum input length/],
      ["prediction-failed.json", ErrorClass.UNAVAILABLE, /^replicate: the prediction failed$/],
    ];
    for (const [name, cls, message] of failed) {
      routes[`POST ${created}`] = json(201, data(name));
      await assert.rejects(rp.chat(simpleRequest(), ctx()), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.errorClass, cls);
        assert.match(err.message, message);
        return true;
      });
      await assert.rejects(collect(rp.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
  });

  it("refuses tools, images and tool messages with a 400 naming them, and drops them under drop_params", async () => {
    routes[`POST ${created}`] = json(201, data("response.json"));
    const tools = simpleRequest(false, { tools: [{ type: "function", function: { name: "lookup" } }] });
    await assert.rejects(rp.chat(tools, ctx()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, ErrorClass.INVALID_REQUEST);
      assert.match(err.message, /replicate does not support parameter "tools"/);
      return true;
    });
    const image = simpleRequest(false, {
      messages: [
        {
          role: llm.Role.USER,
          content: {
            case: "parts",
            value: {
              parts: [
                { part: { case: "text", value: "What is this?" } },
                { part: { case: "imageUrl", value: { url: "data:image/png;base64,iVBORw0KGgo=" } } },
              ],
            },
          },
        },
      ],
    });
    await assert.rejects(rp.chat(image, ctx()), (err: unknown) => {
      assert.equal((err as GatewayError).detail.param, "messages[0].content");
      return true;
    });
    const before = seen("POST", created).length;
    await rp.chat(tools, ctx({ params: { drop_params: true } }));
    await rp.chat(image, ctx({ params: { drop_params: true } }));
    assert.equal(seen("POST", created).length, before + 2);
    assert.deepEqual(JSON.parse(seen("POST", created).at(-1)!.body), { input: { prompt: "What is this?" } });
  });

  it("folds system messages into the transcript for supports_system_prompt: false, and names the limit per model", async () => {
    routes[`POST ${created}`] = json(201, data("response.json"));
    const req = simpleRequest(false, {
      messages: [
        { role: llm.Role.SYSTEM, content: { case: "text", value: "Be brief." } },
        { role: llm.Role.USER, content: { case: "text", value: "Hi" } },
      ],
      stop: ["END"],
      maxTokens: 20,
    });
    await rp.chat(req, ctx({ params: { supports_system_prompt: false } }));
    assert.deepEqual(JSON.parse(seen("POST", created).at(-1)!.body).input, {
      prompt: "System: Be brief.\n\nUser: Hi",
      max_new_tokens: 20,
      stop_sequences: "END",
    });
    routes["POST /v1/predictions"] = json(201, data("response.json"));
    await rp.chat(req, ctx({ model: `replicate/vicuna-13b:${VERSION}` }));
    const input = JSON.parse(seen("POST", "/v1/predictions").at(-1)!.body).input;
    assert.deepEqual(input, { prompt: "Hi", system_prompt: "Be brief.", max_length: 20, stop_sequences: "END" });
  });
});
