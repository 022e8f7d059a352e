import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
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
import { ollamaAdapter } from "./index.js";
import { richRequest, simpleRequest } from "./testdata/canonical.js";

const KEY = "ollama-proxy-key-0123456789";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);

describe("ollama adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (opts: { signal?: AbortSignal; params?: Record<string, unknown>; key?: boolean } = {}) => {
    const dep = testDeployment("ollama_chat", { model: "llama3.2", apiBase: upstream.url, params: opts.params ?? {} });
    return testContext(dep, dispatcher, {
      ...(opts.key === false ? {} : { apiKey: KEY }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  };
  const send = (status: number, body: string) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));
  const ndjson = (res: ServerResponse) => res.writeHead(200, { "content-type": "application/x-ndjson" });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the native body to /api/chat (options, format, base64 images, object arguments) and parses the answer", async () => {
    send(200, data("response.json"));
    const out = await ollamaAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/api/chat");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.ok(!seen.body.includes(KEY));
    assert.equal(out.choices[0]?.message?.content, '{"a":"a cat"}');
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.equal(out.model, "llama3.2");
    assert.equal(out.created, Date.parse("2026-12-06T10:00:00Z") / 1000);
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [26, 8, 34]);
    assert.match(out.id, /^chatcmpl-/);
  });

  it('sends no authorization header without a key, and json_object as format "json"', async () => {
    send(200, data("response.json"));
    const req = simpleRequest(false, { responseFormat: { type: "json_object" }, maxCompletionTokens: 9 });
    await ollamaAdapter.chat(req, ctx({ key: false }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.authorization, undefined);
    const body = JSON.parse(seen.body);
    assert.equal(body.format, "json");
    assert.deepEqual(body.options, { num_predict: 9 });
    assert.equal(body.stream, false);
  });

  it("returns tool calls with generated ids, arguments as JSON text, and finish_reason tool_calls", async () => {
    send(200, data("response-tools.json"));
    const out = await ollamaAdapter.chat(simpleRequest(), ctx());
    const call = out.choices[0]?.message?.toolCalls[0];
    assert.equal(call?.function?.name, "lookup");
    assert.equal(call?.function?.arguments, '{"q":"dog"}');
    assert.match(call?.id ?? "", /^call_/);
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
  });

  it("streams NDJSON written 1-7 bytes at a time: role first, content, finish_reason, usage chunk last", async () => {
    upstream.handle(async (_req, res) => {
      ndjson(res);
      await writeSlowly(res, data("stream.ndjson"));
      res.end();
    });
    const chunks = await collect(ollamaAdapter.streamChat(richRequest(true), ctx()));
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), JSON.parse(data("request-stream.json")));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    assert.equal(text, "The sky is blue ☀️.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "length");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [26, 4]);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  });

  it("streams whole tool calls as indexed deltas", async () => {
    upstream.handle((_req, res) => ndjson(res).end(data("stream-tools.ndjson")));
    const chunks = await collect(ollamaAdapter.streamChat(simpleRequest(true), ctx()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.deepEqual(
      calls.map((c) => [c.index, c.name, c.arguments]),
      [
        [0, "lookup", '{"q":"dog"}'],
        [1, "lookup", '{"q":"cat"}'],
      ],
    );
    assert.ok(calls.every((c) => c.id?.startsWith("call_") && c.type === "function"));
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
  });

  it("throws the classified error of an error line mid-stream, and UNAVAILABLE for a stream cut before done", async () => {
    upstream.handle((_req, res) => ndjson(res).end(data("stream-error.ndjson")));
    await assert.rejects(
      collect(ollamaAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
    const cut = data("stream.ndjson").split("\n").slice(0, 2).join("\n");
    upstream.handle((_req, res) => ndjson(res).end(cut));
    await assert.rejects(
      collect(ollamaAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
    upstream.handle((_req, res) => ndjson(res).end(`${cut}\n{"model":"llama3.2","mess`));
    await assert.rejects(
      collect(ollamaAdapter.streamChat(simpleRequest(true), ctx())),
      isClass(ErrorClass.UNAVAILABLE),
    );
  });

  it("classifies 404 (model not pulled), 400 context length, 429 and 500", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(ollamaAdapter.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(ollamaAdapter.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    send(404, data("error-404.json"));
    await assert.rejects(ollamaAdapter.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.match((err as GatewayError).message, /not found, try pulling it first/);
      return true;
    });
  });

  it("refuses what Ollama cannot express with a 400 naming the parameter, unless drop_params", async () => {
    const refused = (param: string) => (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, ErrorClass.INVALID_REQUEST);
      assert.equal(err.detail.param, param);
      assert.match(err.message, /ollama/);
      return true;
    };
    const seen = upstream.seen.length;
    await assert.rejects(ollamaAdapter.chat(simpleRequest(false, { n: 2 }), ctx()), refused("n"));
    await assert.rejects(
      ollamaAdapter.chat(simpleRequest(false, { extraJson: '{"logit_bias":{"1":2}}' }), ctx()),
      refused("logit_bias"),
    );
    const named = richRequest();
    named.toolChoice = create(llm.ToolChoiceSchema, { choice: { case: "functionName", value: "lookup" } });
    await assert.rejects(ollamaAdapter.chat(named, ctx()), refused("tool_choice"));
    const remote = create(llm.ChatCompletionRequestSchema, {
      messages: [
        {
          role: llm.Role.USER,
          content: {
            case: "parts",
            value: { parts: [{ part: { case: "imageUrl", value: { url: "https://example.com/cat.png" } } }] },
          },
        },
      ],
    });
    await assert.rejects(ollamaAdapter.chat(remote, ctx()), refused("messages[0].content"));
    assert.equal(upstream.seen.length, seen);
    send(200, data("response.json"));
    await ollamaAdapter.chat(
      simpleRequest(false, { extraJson: '{"logit_bias":{"1":2}}' }),
      ctx({ params: { drop_params: true } }),
    );
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).logit_bias, undefined);
  });

  it("embeds through /api/embed with prompt_eval_count as usage", async () => {
    send(200, data("embed-response.json"));
    const request = create(llm.EmbeddingRequestSchema, { model: "emb", texts: ["first text", "second text"] });
    const dep = testDeployment("ollama", { model: "all-minilm", apiBase: `${upstream.url}/` });
    const out = await ollamaAdapter.embed!(request, testContext(dep, dispatcher));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/api/embed");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("embed-request.json")));
    assert.equal(out.data.length, 2);
    assert.deepEqual(out.data[1]?.vector, [-0.0098027075, 0.06042469, 0.025257962]);
    assert.equal(out.usage?.promptTokens, 8);
    send(200, '{"model":"all-minilm","embeddings":[[0.1]]}');
    await assert.rejects(ollamaAdapter.embed!(request, testContext(dep, dispatcher)), isClass(ErrorClass.UNAVAILABLE));
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      ndjson(res).write(data("stream.ndjson").split("\n").slice(0, 2).join("\n"));
    });
    const controller = new AbortController();
    const stream = ollamaAdapter
      .streamChat(simpleRequest(true), ctx({ signal: controller.signal }))
      [Symbol.asyncIterator]();
    await stream.next();
    const pending = stream.next().then(() => stream.next());
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });
});
