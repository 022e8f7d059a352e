import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
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
import { generateUrl } from "./api.js";
import { stripTemplateTokens } from "./chat-response.js";
import { createPredibaseAdapter } from "./index.js";

const KEY = "pb_0123456789abcdefghij";
const { ErrorClass, Role } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);
type Extra = Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName">;

/** The request whose translation is request.json (temperature 0 goes as 0.01, top_k as an extra field). */
function rich(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "sky",
    messages: [
      { role: Role.DEVELOPER, content: { case: "text", value: "You are terse." } },
      { role: Role.USER, content: { case: "text", value: "Why is the sky blue?" } },
    ],
    temperature: 0,
    topP: 0.9,
    maxTokens: 64,
    stop: ["\n\n"],
    seed: 42n,
    extraJson: '{"top_k":40,"adapter_source":"pbase"}',
    stream,
  });
}

const hello = (stream = false, extra: Extra = {}) =>
  create(llm.ChatCompletionRequestSchema, {
    model: "sky",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });

describe("predibase adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const pb = createPredibaseAdapter({ env: {} });
  const ctx = (params: Record<string, unknown> = { tenant_id: "tenant-42", adapter_id: "sky-facts/3" }, key = KEY) => {
    const dep = testDeployment("predibase", { model: "llama-3-8b-instruct", apiBase: `${upstream.url}/`, params });
    return testContext(dep, dispatcher, key ? { apiKey: key } : {}) as AttemptContext;
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

  it("POSTs {inputs, parameters} to the tenant's deployment with the Bearer token, usage from details", async () => {
    send(200, data("response.json"));
    const out = await pb.chat(rich(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/tenant-42/deployments/v2/llms/llama-3-8b-instruct/generate");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(out.choices[0]?.message?.content, "Rayleigh scattering ☀️.", "the trailing </s> is stripped");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.equal(out.model, "llama-3-8b-instruct");
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [31, 7, 38]);
    assert.equal(out.usage?.estimated, false);
  });

  it("defaults: Predibase's host, max_new_tokens 4096, the tenant from PREDIBASE_TENANT_ID; usage estimated without details", async () => {
    const dep = testDeployment("predibase", { model: "llama-3-8b-instruct" });
    assert.equal(
      generateUrl(dep, { PREDIBASE_TENANT_ID: "t-env" }, true),
      "https://serving.app.predibase.com/t-env/deployments/v2/llms/llama-3-8b-instruct/generate_stream",
    );
    assert.throws(() => generateUrl(dep, {}, false), isErrorClass(ErrorClass.INTERNAL));
    send(200, '{"generated_text":"Hi!"}');
    const fromEnv = createPredibaseAdapter({ env: { PREDIBASE_TENANT_ID: "t-env" } });
    const out = await fromEnv.chat(hello(), ctx({}));
    assert.equal(upstream.seen.at(-1)?.url, "/t-env/deployments/v2/llms/llama-3-8b-instruct/generate");
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), {
      inputs: "Hello",
      parameters: { details: true, max_new_tokens: 4096, return_full_text: false },
    });
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.completionTokens ?? 0) > 0);
    const seen = upstream.seen.length;
    await assert.rejects(pb.chat(hello(), ctx(undefined, "")), isErrorClass(ErrorClass.AUTH));
    assert.equal(upstream.seen.length, seen, "no call without a key");
  });

  it("streams generate_stream written 1-7 bytes at a time: token text, special tokens dropped, usage from details", async () => {
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, data("stream.sse"));
      res.end();
    });
    const chunks = await collect(pb.streamChat(rich(true), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/tenant-42/deployments/v2/llms/llama-3-8b-instruct/generate_stream");
    assert.equal(seen.headers.accept, "text/event-stream");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Rayleigh scattering ☀️.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [31, 4]);
    upstream.handle((_req, res) => sse(res).end(data("stream-length.sse")));
    const cut = await collect(pb.streamChat(hello(true), ctx()));
    assert.equal(cut.at(-2)?.choices[0]?.finishReason, "length");
  });

  it("fails a stream with its error event's class, and one that ends before its details as UNAVAILABLE", async () => {
    upstream.handle((_req, res) => sse(res).end(data("stream-error.sse")));
    await assert.rejects(collect(pb.streamChat(hello(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    const truncated = data("stream.sse").split("\n\n").slice(0, 2).join("\n\n");
    upstream.handle((_req, res) => sse(res).end(truncated));
    await assert.rejects(collect(pb.streamChat(hello(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => sse(res).end(`${truncated}\n\ndata:{"token":{"te`));
    await assert.rejects(collect(pb.streamChat(hello(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies 401, 404, 422, 422 context length, 424, 429 (waiting x-ratelimit-reset) and 503", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [401, "error-401.json", ErrorClass.AUTH],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [422, "error-422.json", ErrorClass.INVALID_REQUEST],
      [422, "error-422-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [424, "error-424.json", ErrorClass.UNAVAILABLE],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [503, "error-503.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(pb.chat(hello(), ctx()), isClass(cls));
      await assert.rejects(collect(pb.streamChat(hello(true), ctx())), isClass(cls));
    }
    send(429, data("error-429.json"), { "x-ratelimit-reset": "7" });
    await assert.rejects(pb.chat(hello(), ctx()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.retryAfterSeconds, 7);
      return true;
    });
    send(422, data("error-422-context.json"));
    await assert.rejects(pb.chat(hello(), ctx()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.code, "context_length_exceeded");
      assert.equal(err.detail.httpStatus, 422);
      return true;
    });
    send(200, '{"error":"Model is overloaded","error_type":"overloaded"}');
    await assert.rejects(pb.chat(hello(), ctx()), isClass(ErrorClass.RATE_LIMITED));
  });

  it("sends JSON schemas as LoRAX's response_format; refuses n > 1 and tools with a 400 naming them", async () => {
    send(200, data("response.json"));
    const schema = '{"type":"object","properties":{"a":{"type":"string"}}}';
    const format = { type: "json_schema", jsonSchema: { name: "x", schemaJson: schema } };
    await pb.chat(hello(false, { responseFormat: format }), ctx());
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body).parameters.response_format, {
      type: "json_object",
      schema: JSON.parse(schema),
    });
    const refused = (param: string) => (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.param, param);
      assert.match(err.message, /predibase does not support/);
      return true;
    };
    await assert.rejects(pb.chat(hello(false, { n: 3 }), ctx()), refused("n"));
    const tools = [{ type: "function", function: { name: "f", parametersJson: "{}" } }];
    await assert.rejects(pb.chat(hello(false, { tools }), ctx()), refused("tools"));
  });

  it("strips a chat-template token from either end of the text, as LiteLLM's output_parser does", () => {
    assert.equal(stripTemplateTokens("<|assistant|>Hi</s>"), "Hi");
    assert.equal(stripTemplateTokens("a </s> b"), "a </s> b");
  });
});
