import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
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
import { alephAlphaAdapter as aa } from "./index.js";

const KEY = "aleph-alpha-token-0123456789abcdef";
const { ErrorClass, Role } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);

type RequestInit = Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName">;

/** The conversation of request.json. */
function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "luminous",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
      { role: Role.USER, content: { case: "text", value: "What is a cat?" } },
      { role: Role.ASSISTANT, content: { case: "text", value: "An animal." } },
      { role: Role.USER, content: { case: "text", value: "Say more." } },
    ],
    maxCompletionTokens: 64,
    temperature: 0.3,
    topP: 0.9,
    presencePenalty: 0.1,
    stop: ["\n\n"],
    extraJson: '{"top_k":5}',
    stream,
    includeUsage: stream,
  });
}

function simpleRequest(stream = false, extra: RequestInit = {}): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "luminous",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "Be brief." } },
      { role: Role.USER, content: { case: "text", value: "Hello" } },
    ],
    stream,
    ...extra,
  });
}

/** The legacy completion request of completion-request.json: one prompt, two completions. */
function appleRequest(stream = false): llm.CompletionRequest {
  return create(llm.CompletionRequestSchema, {
    model: "base",
    prompts: ["An apple a day"],
    maxTokens: 16,
    temperature: 0,
    n: 2,
    stop: ["."],
    echo: true,
    stream,
  });
}

describe("aleph_alpha adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let reply: (res: ServerResponse) => unknown = (res) => res.writeHead(500).end();
  const ctx = (over: { params?: Record<string, unknown>; model?: string; apiBase?: string } = {}): AttemptContext =>
    testContext(
      testDeployment("aleph_alpha", {
        model: over.model ?? "luminous-supreme-control",
        apiBase: over.apiBase ?? `${upstream.url}/complete`,
        params: over.params ?? { hosting: "aleph-alpha" },
      }),
      dispatcher,
      { apiKey: KEY },
    );
  const send = (status: number, body: string) => {
    reply = (res) => res.writeHead(status, { "content-type": "application/json" }).end(body);
  };
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

  before(async () => {
    upstream = await startUpstream();
    upstream.handle((_req, res) => reply(res));
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the control-model prompt to /complete with a bearer token and reads the counts as usage", async () => {
    send(200, data("response.json"));
    const out = await aa.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/complete");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen.headers.accept, "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(out.model, "luminous-supreme-control");
    assert.equal(out.choices[0]?.message?.content, " A cat is a small domesticated carnivorous mammal.");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [31, 12, 43]);
    assert.equal(out.usage?.estimated, false);
  });

  it("joins a base model's messages with spaces, and takes api_base as a host too", async () => {
    send(
      200,
      JSON.stringify({
        model_version: "2022-04",
        completions: [{ completion: "Hi", finish_reason: "maximum_tokens" }],
      }),
    );
    const out = await aa.chat(
      simpleRequest(),
      ctx({ model: "luminous-base", apiBase: `${upstream.url}/`, params: {} }),
    );
    assert.equal(upstream.seen.at(-1)?.url, "/complete");
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), { model: "luminous-base", prompt: "Be brief. Hello" });
    assert.equal(out.choices[0]?.finishReason, "length");
    assert.equal(out.usage?.estimated, true, "an answer without counts is estimated");
  });

  it("streams SSE items written 1-7 bytes at a time: chunks, the finish_reason, then the summary's usage", async () => {
    reply = async (res) => {
      sse(res);
      await writeSlowly(res, data("stream.sse"));
      res.end();
    };
    const chunks = await collect(aa.streamChat(richRequest(true), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.accept, "text/event-stream");
    assert.deepEqual(JSON.parse(seen.body), { ...JSON.parse(data("request.json")), stream: true });
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), " A cat is a small ☀️ mammal.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "length");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [31, 8]);
  });

  it("fails a stream with an error event, or one cut before its completion_summary", async () => {
    reply = (res) => sse(res).end(data("stream-error.sse"));
    await assert.rejects(collect(aa.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    reply = (res) => sse(res).end(data("stream.sse").split("\n\n").slice(0, 4).join("\n\n"));
    await assert.rejects(collect(aa.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    reply = (res) => {
      sse(res).write('data: {"type":"stream_chunk","index":0,"completion":" A"}\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await assert.rejects(collect(aa.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 400, 400 context, 401, 402, 404, 429 and 503 error bodies", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [400, "error-400.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [401, "error-401.json", ErrorClass.AUTH],
      [402, "error-402.json", ErrorClass.PERMISSION_DENIED],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [503, "error-503.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(aa.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(aa.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    send(400, data("error-400-context.json"));
    await assert.rejects(aa.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.equal((err as GatewayError).detail.code, "context_length_exceeded");
      assert.match((err as GatewayError).message, /maximum context length/);
      return true;
    });
  });

  it("refuses tools, images and n > 1 for chat, naming the provider and parameter", async () => {
    const before = upstream.seen.length;
    const tool = { type: "function", function: { name: "f", parametersJson: "{}" } };
    await assert.rejects(aa.chat(simpleRequest(false, { tools: [tool] }), ctx()), (err: unknown) => {
      assert.match((err as GatewayError).message, /aleph_alpha does not support parameter "tools"/);
      return true;
    });
    await assert.rejects(aa.chat(simpleRequest(false, { n: 2 }), ctx()), isClass(ErrorClass.INVALID_REQUEST));
    await assert.rejects(aa.chat(simpleRequest(false, { seed: 1n }), ctx()), isClass(ErrorClass.INVALID_REQUEST));
    assert.equal(upstream.seen.length, before);
  });

  it("serves legacy completions from /complete, one choice per completion", async () => {
    send(200, data("completion-response.json"));
    const request = appleRequest();
    const out = await aa.complete!(request, ctx({ model: "luminous-base", params: {} }));
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), JSON.parse(data("completion-request.json")));
    assert.deepEqual(
      out.choices.map((c) => [c.index, c.text, c.finishReason]),
      [
        [0, "An apple a day keeps the doctor away", "stop"],
        [1, "An apple a day is good for you", "length"],
      ],
    );
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens], [8, 15]);
    const two = create(llm.CompletionRequestSchema, { prompts: ["a", "b"] });
    await assert.rejects(aa.complete!(two, ctx()), isClass(ErrorClass.INVALID_REQUEST));
  });

  it("streams legacy completions from /complete: interleaved choices, their finish_reasons, then the usage", async () => {
    reply = async (res) => {
      sse(res);
      await writeSlowly(res, data("stream-completions.sse"));
      res.end();
    };
    const request = appleRequest(true);
    const chunks = await collect(aa.streamComplete!(request, ctx({ model: "luminous-base", params: {} })));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.accept, "text/event-stream");
    assert.deepEqual(JSON.parse(seen.body), { ...JSON.parse(data("completion-request.json")), stream: true });
    const text = (index: number) =>
      chunks.flatMap((c) => c.choices.filter((x) => x.index === index).map((x) => x.text)).join("");
    assert.deepEqual([text(0), text(1)], [" keeps the doctor away", " is good for you"]);
    assert.ok(new Set(chunks.map((c) => c.id)).size === 1 && chunks[0]?.id.startsWith("cmpl-"), "one id");
    assert.deepEqual(
      chunks.at(-2)?.choices.map((c) => [c.index, c.finishReason]),
      [
        [0, "stop"],
        [1, "length"],
      ],
    );
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [8, 9]);
    assert.ok(chunks.slice(0, -2).every((c) => c.choices.every((x) => x.finishReason === "")));

    reply = (res) => sse(res).end(data("stream-completions.sse").split("\n\n").slice(0, 5).join("\n\n"));
    await assert.rejects(collect(aa.streamComplete!(request, ctx())), isClass(ErrorClass.UNAVAILABLE));
    reply = (res) => sse(res).end(data("stream-error.sse"));
    await assert.rejects(collect(aa.streamComplete!(request, ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("embeds through /batch_semantic_embed, 100 prompts a call, with the reported token count", async () => {
    send(200, data("embeddings-response.json"));
    const dep = ctx({ model: "luminous-base", params: { representation: "query" } });
    const request = create(llm.EmbeddingRequestSchema, { texts: ["a cat", "a dog"], dimensions: 128 });
    const out = await aa.embed!(request, dep);
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/batch_semantic_embed");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("embeddings-request.json")));
    assert.deepEqual(out.data[1]?.vector, [0.042, 0.017, -0.009]);
    assert.deepEqual([out.usage?.promptTokens, out.usage?.estimated], [6, false]);
    const texts = Array.from({ length: 150 }, (_, i) => `text ${i}`);
    reply = (res) => {
      const body = JSON.parse(upstream.seen.at(-1)!.body) as { prompts: unknown[] };
      const embeddings = body.prompts.map((_, i) => [i, 0.5]);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ embeddings, num_tokens_prompt_total: body.prompts.length }));
    };
    const calls = upstream.seen.length;
    const big = await aa.embed!(create(llm.EmbeddingRequestSchema, { texts }), dep);
    assert.equal(upstream.seen.length, calls + 2);
    assert.deepEqual([big.data.length, big.data[120]?.vector[0], big.usage?.promptTokens], [150, 20, 150]);
    await assert.rejects(
      aa.embed!(create(llm.EmbeddingRequestSchema, { texts: ["a"], dimensions: 256 }), dep),
      isClass(ErrorClass.INVALID_REQUEST),
    );
  });
});
