import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
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
import type { AttemptContext } from "../types.js";
import { tritonEndpoints } from "./api.js";
import { tritonAdapter } from "./index.js";

const KEY = "triton-proxy-key-0123456789";
const { ErrorClass, Role } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);
type Extra = Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName">;

/** A short conversation with most sampling fields; its prompt and parameters are generate-request.json's. */
function conversation(stream = false, extra: Extra = {}): llm.ChatCompletionRequest {
  const text = (role: llm.Role, value: string) => ({ role, content: { case: "text" as const, value } });
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama",
    messages: [
      text(Role.SYSTEM, "You are terse."),
      text(Role.USER, "What is the sky's colour?"),
      text(Role.ASSISTANT, "It is blue."),
      text(Role.USER, "Why?"),
    ],
    temperature: 0.3,
    topP: 0.9,
    maxCompletionTokens: 64,
    stop: ["\n\n"],
    seed: 42n,
    extraJson: '{"top_k":40}',
    stream,
    ...extra,
  });
}

const hello = (stream = false, extra: Extra = {}) =>
  create(llm.ChatCompletionRequestSchema, {
    model: "llama",
    messages: [{ role: Role.USER, content: { case: "text", value: "Say hi" } }],
    stream,
    ...extra,
  });

describe("triton adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (over: { apiBase?: string; model?: string; params?: Record<string, unknown> } = {}): AttemptContext =>
    testContext(
      testDeployment("triton", {
        model: over.model ?? "ensemble",
        apiBase: over.apiBase ?? `${upstream.url}/`,
        params: over.params ?? {},
      }),
      dispatcher,
      { apiKey: KEY },
    );
  const send = (status: number, body: string) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("builds the endpoints from a server address, or takes LiteLLM's /generate and /infer api_base as given", () => {
    const dep = (apiBase: string, model = "ensemble") => testDeployment("triton", { apiBase, model });
    assert.deepEqual(tritonEndpoints(dep("http://t:8000/", "llama/versions/2")), {
      chatKind: "generate",
      generate: "http://t:8000/v2/models/llama/versions/2/generate",
      generateStream: "http://t:8000/v2/models/llama/versions/2/generate_stream",
      infer: "http://t:8000/v2/models/llama/versions/2/infer",
    });
    assert.equal(
      tritonEndpoints(dep("http://t:8000/v2/models/m/generate")).generateStream,
      "http://t:8000/v2/models/m/generate_stream",
    );
    assert.equal(
      tritonEndpoints(dep("http://t:8000/v2/models/m/generate_stream")).generate,
      "http://t:8000/v2/models/m/generate",
    );
    assert.equal(tritonEndpoints(dep("http://t:8000/v2/models/m/infer")).chatKind, "infer");
    assert.throws(() => tritonEndpoints(testDeployment("triton")), isErrorClass(ErrorClass.INTERNAL));
  });

  it("POSTs the rendered prompt to /generate and estimates usage, which Triton does not report", async () => {
    send(200, data("generate-response.json"));
    const out = await tritonAdapter.chat(conversation(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v2/models/ensemble/generate");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("generate-request.json")));
    assert.equal(out.model, "ensemble");
    assert.equal(out.choices[0]?.message?.content, "Rayleigh scattering ☀️.");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.match(out.id, /^chatcmpl-/);
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 5 && (out.usage?.completionTokens ?? 0) > 0);
    assert.equal(out.usage?.totalTokens, (out.usage?.promptTokens ?? 0) + (out.usage?.completionTokens ?? 0));
  });

  it("sends LiteLLM's defaults: max_tokens 2000 and empty bad_words / stop_words; a deployment template shapes the prompt", async () => {
    send(200, data("generate-response.json"));
    const params = {
      roles: { user: { pre_message: "<|user|>\n", post_message: "<|end|>\n" } },
      final_prompt_value: "<|assistant|>\n",
    };
    await tritonAdapter.chat(hello(), ctx({ params }));
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), {
      text_input: "<|user|>\nSay hi<|end|>\n<|assistant|>\n",
      parameters: { max_tokens: 2000, bad_words: [""], stop_words: [""] },
      stream: false,
    });
  });

  it("streams /generate_stream written 1-7 bytes at a time: role, text pieces, finish_reason, estimated usage last", async () => {
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, data("stream.sse"));
      res.end();
    });
    const chunks = await collect(tritonAdapter.streamChat(conversation(true), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v2/models/ensemble/generate_stream");
    assert.equal(seen.headers.accept, "text/event-stream");
    assert.deepEqual(JSON.parse(seen.body), { ...JSON.parse(data("generate-request.json")), stream: true });
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Rayleigh scattering ☀️.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.estimated, true);
    assert.ok((chunks.at(-1)?.usage?.completionTokens ?? 0) > 0);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  });

  it("ends a stream with the classified error of an error event, and a reset mid-stream as UNAVAILABLE", async () => {
    upstream.handle((_req, res) => sse(res).end(data("stream-error.sse")));
    await assert.rejects(collect(tritonAdapter.streamChat(hello(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => {
      sse(res).write(data("stream.sse").split("\n\n")[0]!);
      setTimeout(() => res.destroy(), 20);
    });
    await assert.rejects(collect(tritonAdapter.streamChat(hello(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 400, 400 context length, 400 unknown model, 500 and 503", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [400, "error-400.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [400, "error-400-model.json", ErrorClass.NOT_FOUND],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
      [503, "error-503.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(tritonAdapter.chat(hello(), ctx()), isClass(cls));
      await assert.rejects(collect(tritonAdapter.streamChat(hello(true), ctx())), isClass(cls));
    }
    send(400, data("error-400-context.json"));
    await assert.rejects(tritonAdapter.chat(hello(), ctx()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.code, "context_length_exceeded");
      assert.match(err.message, /exceeds maximum input length/);
      return true;
    });
  });

  it("refuses what a text prompt cannot carry with a 400 naming the parameter, unless drop_params", async () => {
    const refused = (param: string) => (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, ErrorClass.INVALID_REQUEST);
      assert.equal(err.detail.param, param);
      assert.match(err.message, /triton does not support/);
      return true;
    };
    const seen = upstream.seen.length;
    const tools = [{ type: "function", function: { name: "f", parametersJson: "{}" } }];
    await assert.rejects(tritonAdapter.chat(hello(false, { tools }), ctx()), refused("tools"));
    await assert.rejects(tritonAdapter.chat(hello(false, { n: 2 }), ctx()), refused("n"));
    const image = create(llm.ChatCompletionRequestSchema, {
      messages: [
        {
          role: Role.USER,
          content: { case: "parts", value: { parts: [{ part: { case: "imageUrl", value: { url: "data:,x" } } }] } },
        },
      ],
    });
    await assert.rejects(tritonAdapter.chat(image, ctx()), refused("messages[0].content"));
    assert.equal(upstream.seen.length, seen);
    send(200, data("generate-response.json"));
    await tritonAdapter.chat(
      hello(false, { extraJson: '{"logit_bias":{"1":2}}' }),
      ctx({ params: { drop_params: true } }),
    );
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).parameters.logit_bias, undefined);
  });

  it("chats through KServe v2 /infer for LiteLLM's /infer api_base, replaying the answer when streamed", async () => {
    send(200, data("infer-response.json"));
    const apiBase = `${upstream.url}/v2/models/custom_llm/infer`;
    const request = hello(false, { maxTokens: 16, temperature: 0.5 });
    const out = await tritonAdapter.chat(request, ctx({ apiBase }));
    assert.equal(upstream.seen.at(-1)?.url, "/v2/models/custom_llm/infer");
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), JSON.parse(data("infer-request.json")));
    assert.equal(out.choices[0]?.message?.content, "Hi there");
    assert.equal(out.model, "custom_llm");
    const chunks = await collect(
      tritonAdapter.streamChat(hello(true, { maxTokens: 16, temperature: 0.5 }), ctx({ apiBase })),
    );
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hi there");
    assert.equal(chunks.at(-1)?.usage?.estimated, true);
  });

  it("embeds through /infer: one input_text tensor in, the [n, dim] output split into vectors, usage estimated", async () => {
    send(200, data("embed-response.json"));
    const request = create(llm.EmbeddingRequestSchema, { model: "emb", texts: ["first text", "second text"] });
    const out = await tritonAdapter.embed!(request, ctx({ model: "bge-small" }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v2/models/bge-small/infer");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("embed-request.json")));
    assert.deepEqual(
      out.data.map((d) => d.vector.map((x) => Math.round(x * 10) / 10)),
      [
        [0.1, 0.2, 0.3],
        [-0.4, 0.5, -0.6],
      ],
    );
    assert.equal(out.model, "bge-small");
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 0);
    send(200, '{"outputs":[{"name":"e","shape":[1,3],"data":[1,2,3]}]}');
    await assert.rejects(tritonAdapter.embed!(request, ctx()), isClass(ErrorClass.UNAVAILABLE));
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      sse(res).write(`${data("stream.sse").split("\n\n")[0]}\n\n`);
    });
    const controller = new AbortController();
    const dep = testDeployment("triton", { model: "ensemble", apiBase: upstream.url });
    const stream = tritonAdapter
      .streamChat(hello(true), testContext(dep, dispatcher, { signal: controller.signal }))
      [Symbol.asyncIterator]();
    await stream.next();
    await stream.next();
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });
});
