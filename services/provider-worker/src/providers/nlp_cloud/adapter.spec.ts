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
import { nlpCloudAdapter as nlp } from "./index.js";

const KEY = "nlpcloud-token-0123456789abcdef";
const { ErrorClass, Role } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);

type RequestInit = Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName">;

/** The conversation of request.json, with the sampling fields NLP Cloud takes. */
function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "dolphin-public",
    messages: [
      { role: Role.DEVELOPER, content: { case: "text", value: "Be terse." } },
      { role: Role.USER, content: { case: "text", value: "Hello" } },
      { role: Role.ASSISTANT, content: { case: "text", value: "Hi there." } },
      {
        role: Role.USER,
        content: { case: "parts", value: { parts: [{ part: { case: "text", value: "What is a cat?" } }] } },
      },
    ],
    temperature: 0.3,
    topP: 0.9,
    maxTokens: 64,
    stop: ["\n\n"],
    extraJson: '{"top_k":40}',
    stream,
    includeUsage: stream,
  });
}

function simpleRequest(stream = false, extra: RequestInit = {}): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "dolphin-public",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });
}

describe("nlp_cloud adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let reply: (res: ServerResponse) => unknown = (res) => res.writeHead(500).end();
  const ctx = (over: { params?: Record<string, unknown>; model?: string } = {}): AttemptContext =>
    testContext(
      testDeployment("nlp_cloud", {
        model: over.model ?? "chatdolphin",
        apiBase: `${upstream.url}/v1/gpu/`,
        params: over.params ?? { repetition_penalty: 1.1 },
      }),
      dispatcher,
      { apiKey: KEY },
    );
  const send = (status: number, body: string, type = "application/json") => {
    reply = (res) => res.writeHead(status, { "content-type": type }).end(body);
  };
  const text = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });

  before(async () => {
    upstream = await startUpstream();
    upstream.handle((_req, res) => reply(res));
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the joined prompt to /{model}/generation with Token auth and reads the counts as usage", async () => {
    send(200, data("response.json"));
    const out = await nlp.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1/gpu/chatdolphin/generation");
    assert.equal(seen.headers.authorization, `Token ${KEY}`);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(out.model, "chatdolphin");
    assert.match(out.id, /^chatcmpl-/);
    assert.equal(out.choices[0]?.message?.content, "A cat is a small domesticated carnivorous mammal.");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.deepEqual(
      [out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens, out.usage?.estimated],
      [14, 11, 25, false],
    );
  });

  it("finishes with length when the whole budget was used, and estimates usage an answer lacks", async () => {
    send(200, JSON.stringify({ generated_text: "Four words right here", nb_generated_tokens: 4, nb_input_tokens: 2 }));
    const cut = await nlp.chat(simpleRequest(false, { maxCompletionTokens: 4 }), ctx());
    assert.equal(cut.choices[0]?.finishReason, "length");
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), {
      text: "Hello",
      repetition_penalty: 1.1,
      max_length: 4,
      length_no_input: true,
    });
    send(200, JSON.stringify({ generated_text: "Hi!" }));
    const out = await nlp.chat(simpleRequest(), ctx({ params: {} }));
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 0 && (out.usage?.completionTokens ?? 0) > 0);
  });

  it("streams the plain-text body written 1-7 bytes at a time, the [DONE] marker split across reads", async () => {
    reply = async (res) => {
      text(res);
      await writeSlowly(res, data("stream.txt"));
      res.end();
    };
    const chunks = await collect(nlp.streamChat(richRequest(true), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/gpu/chatdolphin/generation");
    assert.deepEqual(JSON.parse(seen.body), { ...JSON.parse(data("request.json")), stream: true });
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "A cat is a small mammal ☀️.");
    assert.ok(chunks.every((c) => !(c.choices[0]?.delta?.content ?? "").includes("[")));
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.estimated, true, "NLP Cloud reports no usage while streaming");
    assert.ok((chunks.at(-1)?.usage?.completionTokens ?? 0) > 0);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  });

  it("strips the NUL separators between pieces and ignores anything after [DONE]", async () => {
    reply = (res) => text(res).end("A\0 cat\0 naps.\0[DONE]\0trailing");
    const chunks = await collect(nlp.streamChat(simpleRequest(true), ctx()));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "A cat naps.");
  });

  it("fails a stream that ends before [DONE] or whose connection is cut", async () => {
    reply = (res) => text(res).end("A cat is");
    await assert.rejects(collect(nlp.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    reply = (res) => {
      text(res).write("A cat is");
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await assert.rejects(collect(nlp.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 400 context, 401, 402, 422, 429 (plain text) and 503 answers", async () => {
    const cases: [number, string, llm.ErrorClass, string][] = [
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED, "application/json"],
      [401, "error-401.json", ErrorClass.AUTH, "application/json"],
      [402, "error-402.json", ErrorClass.PERMISSION_DENIED, "application/json"],
      [422, "error-422.json", ErrorClass.INVALID_REQUEST, "application/json"],
      [429, "error-429.txt", ErrorClass.RATE_LIMITED, "text/plain"],
      [503, "error-503.json", ErrorClass.UNAVAILABLE, "application/json"],
    ];
    for (const [status, name, cls, type] of cases) {
      send(status, data(name), type);
      await assert.rejects(nlp.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(nlp.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    send(422, data("error-422.json"));
    await assert.rejects(nlp.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.match((err as GatewayError).message, /less than or equal to 2048/);
      return true;
    });
    send(400, data("error-400-context.json"));
    await assert.rejects(nlp.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.equal((err as GatewayError).detail.code, "context_length_exceeded");
      return true;
    });
  });

  it("refuses what a prompt cannot carry: tools, images, several stops, n > 1", async () => {
    const before = upstream.seen.length;
    const tool = { type: "function", function: { name: "f", parametersJson: "{}" } };
    await assert.rejects(nlp.chat(simpleRequest(false, { tools: [tool] }), ctx()), (err: unknown) => {
      assert.match((err as GatewayError).message, /nlp_cloud does not support parameter "tools"/);
      return true;
    });
    const image = create(llm.ChatCompletionRequestSchema, {
      messages: [
        {
          role: Role.USER,
          content: {
            case: "parts",
            value: { parts: [{ part: { case: "imageUrl", value: { url: "https://x/y.png" } } }] },
          },
        },
      ],
    });
    await assert.rejects(nlp.chat(image, ctx()), isClass(ErrorClass.INVALID_REQUEST));
    await assert.rejects(
      nlp.chat(simpleRequest(false, { stop: ["a", "b"] }), ctx()),
      isClass(ErrorClass.INVALID_REQUEST),
    );
    await assert.rejects(nlp.chat(simpleRequest(false, { n: 2 }), ctx()), isClass(ErrorClass.INVALID_REQUEST));
    await assert.rejects(nlp.chat(simpleRequest(false, { seed: 7n }), ctx()), isClass(ErrorClass.INVALID_REQUEST));
    assert.equal(upstream.seen.length, before, "nothing was sent");
    send(200, data("response.json"));
    await nlp.chat(simpleRequest(false, { seed: 7n, stop: ["a", "b"] }), ctx({ params: { drop_params: true } }));
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), {
      text: "Hello",
      end_sequence: "a",
      remove_end_sequence: true,
    });
  });

  it("embeds through /{model}/embeddings with estimated usage", async () => {
    send(200, data("embeddings-response.json"));
    const dep = testDeployment("nlp_cloud", {
      model: "paraphrase-multilingual-mpnet-base-v2",
      apiBase: `${upstream.url}/v1`,
    });
    const out = await nlp.embed!(
      create(llm.EmbeddingRequestSchema, { model: "m", texts: ["a cat", "a dog"] }),
      testContext(dep, dispatcher, { apiKey: KEY }),
    );
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/paraphrase-multilingual-mpnet-base-v2/embeddings");
    assert.equal(seen.headers.authorization, `Token ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("embeddings-request.json")));
    assert.deepEqual(out.data[1]?.vector, [0.0321, 0.0654, -0.0987]);
    assert.equal(out.usage?.estimated, true);
    send(200, JSON.stringify({ embeddings: [[0.1]] }));
    await assert.rejects(
      nlp.embed!(
        create(llm.EmbeddingRequestSchema, { texts: ["a", "b"] }),
        testContext(dep, dispatcher, { apiKey: KEY }),
      ),
      isClass(ErrorClass.UNAVAILABLE),
    );
  });
});
