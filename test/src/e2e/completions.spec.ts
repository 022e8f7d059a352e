// /v1/completions and GatewayService.CreateCompletion through the real mesh: the OpenAI SDK as the client, fake
// OpenAI, OpenAI-compatible (Together AI) and Codestral FIM upstreams, fallbacks, and every answer validated against
// OpenAI's OpenAPI spec (CreateCompletionResponse).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { gateway } from "@switchyard/proto";
import { callStream, callUnary, createClient } from "@switchyard/runtime";
import OpenAI from "openai";
import { request } from "undici";
import { assertCompletionChunk, assertErrorResponse, assertSchema } from "../conformance.js";
import { FAKE_CODESTRAL_KEY, type FakeUpstream, startFakeCodestral, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY, OPENAI_KEY } from "./setup.js";

let upstream: FakeUpstream;
let broken: FakeUpstream;
let codestral: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  broken = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  broken.setDefault({
    status: 503,
    body: { error: { message: "overloaded", type: "server_error", param: null, code: null } },
  });
  codestral = await startFakeCodestral();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-completions-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: instruct
    litellm_params: { model: openai/gpt-3.5-turbo-instruct, api_base: "${upstream.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: oai-instruct }
  - model_name: legacy
    litellm_params: { model: text-completion-openai/babbage-002, api_base: "${upstream.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: legacy }
  - model_name: together
    litellm_params: { model: together_ai/Qwen/Qwen2.5-Coder-32B, api_base: "${upstream.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: together }
  - model_name: fim
    litellm_params: { model: text-completion-codestral/codestral-latest, api_base: "${codestral.url}/v1", api_key: os.environ/E2E_CODESTRAL_KEY }
    model_info: { id: fim }
  - model_name: flaky-instruct
    litellm_params: { model: openai/gpt-3.5-turbo-instruct, api_base: "${broken.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: flaky-instruct }
  - model_name: groq-chat
    litellm_params: { model: groq/llama-3.3-70b-versatile, api_base: "${upstream.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
router_settings:
  num_retries: 0
  fallbacks: [{ flaky-instruct: [instruct] }]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_OPENAI_KEY: OPENAI_KEY, E2E_CODESTRAL_KEY: FAKE_CODESTRAL_KEY },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await upstream?.close();
  await broken?.close();
  await codestral?.close();
});

async function post(
  body: unknown,
  path = "/v1/completions",
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${mesh.restUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

describe("text completions through the mesh", () => {
  it("answers the OpenAI SDK with OpenAI's text_completion, priced, and sends the exact body upstream", async () => {
    const raw = await client.completions
      .create({ model: "instruct", prompt: "Say this is a test", max_tokens: 7, temperature: 0, n: 2, suffix: "!" })
      .withResponse();
    assertSchema("CreateCompletionResponse", raw.data);
    assert.equal(raw.data.object, "text_completion");
    assert.equal(raw.data.choices.length, 2);
    assert.ok((raw.data.usage?.completion_tokens ?? 0) > 0);
    assert.equal(raw.response.headers.get("x-switchyard-deployment"), "oai-instruct");
    assert.ok(Number(raw.response.headers.get("x-switchyard-response-cost")) > 0, "gpt-3.5-turbo-instruct is priced");
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.path, "/v1/completions");
    assert.equal(sent.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.deepEqual(sent.body, {
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say this is a test",
      suffix: "!",
      max_tokens: 7,
      temperature: 0,
      n: 2,
    });
  });

  it("serves arrays of prompts, token ids, echo and logprobs, text-completion-openai/ and an OpenAI-compatible host", async () => {
    for (const body of [
      { model: "instruct", prompt: ["a b", "c d"], echo: true, logprobs: 1 },
      { model: "legacy", prompt: [1, 2, 3], max_tokens: 2 },
      { model: "together", prompt: "def f():", stop: ["\n"], seed: 3 },
    ]) {
      const res = await post(body);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertSchema("CreateCompletionResponse", res.json);
    }
    assert.deepEqual(upstream.requests.at(-1)!.body, {
      model: "Qwen/Qwen2.5-Coder-32B",
      prompt: "def f():",
      stop: ["\n"],
      seed: 3,
    });
  });

  it("fills in the middle with Codestral's FIM endpoint", async () => {
    const res = await post({ model: "fim", prompt: "def add(a, b):\n", suffix: "\nprint(add(1, 2))", max_tokens: 32 });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertSchema("CreateCompletionResponse", res.json);
    assert.match((res.json as { choices: Array<{ text: string }> }).choices[0]!.text, /return a \+ b/);
    const sent = codestral.requests.at(-1)!;
    assert.equal(sent.path, "/v1/fim/completions");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_CODESTRAL_KEY}`);
    assert.deepEqual(sent.body, {
      model: "codestral-latest",
      prompt: "def add(a, b):\n",
      suffix: "\nprint(add(1, 2))",
      max_tokens: 32,
    });
    assert.ok(Number(res.headers.get("x-switchyard-response-cost")) > 0, "codestral-latest is priced");
  });

  it("falls back to the next group when the upstream fails", async () => {
    const res = await post({ model: "flaky-instruct", prompt: "hello" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-switchyard-deployment"), "oai-instruct");
    assert.equal(res.headers.get("x-switchyard-attempts"), "2");
  });

  it("refuses bad fields and providers without completions with a 400 naming them", async () => {
    const cases: Array<[unknown, string]> = [
      [{ prompt: "x" }, "model"],
      [{ model: "instruct" }, "prompt"],
      [{ model: "instruct", prompt: "x", temperature: 9 }, "temperature"],
      [{ model: "instruct", prompt: ["a", 1] }, "prompt[1]"],
      [{ model: "instruct", prompt: "x", stream: "yes" }, "stream"],
      [{ model: "fim", prompt: ["a", "b"] }, "prompt"],
      [{ model: "fim", prompt: "a", echo: true }, "echo"],
    ];
    for (const [body, param] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertErrorResponse(res.json);
      assert.equal((res.json as { error: { param: string } }).error.param, param, JSON.stringify(res.json));
    }
    const unsupported = await post({ model: "groq-chat", prompt: "x" });
    assert.equal(unsupported.status, 400);
    assert.match(
      (unsupported.json as { error: { message: string } }).error.message,
      /groq does not support text completions/,
    );
    const chat = await post({ model: "fim", messages: [{ role: "user", content: "hi" }] }, "/v1/chat/completions");
    assert.equal(chat.status, 400);
    assert.match((chat.json as { error: { message: string } }).error.message, /use codestral\/ for chat/);
  });

  it("serves GatewayService.CreateCompletion to a plain gRPC client", async () => {
    const grpcClient = createClient(mesh.grpcAddress);
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${MASTER_KEY}`);
      const res = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createCompletion,
        create(gateway.CreateCompletionRequestSchema, {
          request: { model: "instruct", prompts: ["hi"], maxTokens: 4 },
        }),
        { metadata: md },
      );
      assert.equal(res.value.completion?.choices.length, 1);
      assert.ok((res.value.charge?.costNanos ?? 0n) > 0n);
      assert.equal(res.headers.get("x-switchyard-deployment")[0], "oai-instruct");
      // The call decides streaming: CreateCompletion answers in one piece even when the request says stream.
      const unary = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createCompletion,
        create(gateway.CreateCompletionRequestSchema, {
          request: { model: "instruct", prompts: ["hi"], stream: true },
        }),
        { metadata: md },
      );
      assert.equal(unary.value.completion?.choices.length, 1);
      assert.equal((upstream.requests.at(-1)!.body as { stream?: unknown }).stream, undefined);
    } finally {
      grpcClient.close();
    }
  });

  it("streams text_completion chunks to the OpenAI SDK, usage last when asked, cost in the trailer", async () => {
    const stream = await client.completions.create({
      model: "instruct",
      prompt: "Say this is a test",
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const chunk of chunks) assertCompletionChunk(chunk);
    const typed = chunks as Array<{ choices: Array<{ text: string; finish_reason: string | null }>; usage?: unknown }>;
    const text = typed.map((c) => c.choices.map((x) => x.text).join("")).join("");
    assert.equal(text, "completion 0 of Say this is a test");
    assert.equal(typed.at(-2)?.choices[0]?.finish_reason, "stop");
    assert.ok(typed.slice(0, -2).every((c) => c.choices[0]?.finish_reason === null));
    assert.equal(typed.at(-1)?.choices.length, 0);
    assert.deepEqual(Object.keys((typed.at(-1)?.usage ?? {}) as object).sort(), [
      "completion_tokens",
      "prompt_tokens",
      "total_tokens",
    ]);
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.path, "/v1/completions");
    assert.deepEqual(sent.body, {
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say this is a test",
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    // Over plain HTTP: SSE framing, [DONE], the route headers, and the cost in the trailer.
    const res = await request(`${mesh.restUrl}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "instruct", prompt: ["a b", "c d"], n: 2, stream: true }),
    });
    const body = await res.body.text();
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
    assert.equal(res.headers["x-switchyard-deployment"], "oai-instruct");
    assert.ok(Number(res.trailers["x-switchyard-response-cost"]) > 0, "the cost travels in the trailer");
    const events = body.split("\n\n").filter(Boolean);
    assert.equal(events.at(-1), "data: [DONE]");
    const data = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    for (const chunk of data) assertCompletionChunk(chunk);
    assert.ok(
      data.every((c) => c.usage === undefined),
      "no usage chunk unless stream_options.include_usage",
    );
    assert.deepEqual(
      [...new Set(data.flatMap((c) => c.choices.map((x: { index: number }) => x.index)))].sort(),
      [0, 1, 2, 3],
      "two prompts times n = 2 choices",
    );
  });

  it("streams Codestral fill-in-the-middle, and falls back before the first chunk", async () => {
    const res = await request(`${mesh.restUrl}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "fim",
        prompt: "def add(a, b):\n",
        suffix: "\nprint(add(1, 2))",
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    const body = await res.body.text();
    assert.equal(res.statusCode, 200, body);
    const data = body
      .split("\n\n")
      .filter((e) => e && e !== "data: [DONE]")
      .map((e) => JSON.parse(e.replace(/^data: /, "")));
    for (const chunk of data) assertCompletionChunk(chunk);
    assert.match(data.map((c) => c.choices.map((x: { text: string }) => x.text).join("")).join(""), /return a \+ b/);
    assert.ok(data.at(-1).usage.completion_tokens > 0);
    assert.equal((codestral.requests.at(-1)!.body as { stream?: unknown }).stream, true);
    assert.ok(Number(res.trailers["x-switchyard-response-cost"]) > 0, "codestral-latest is priced");

    const failover = await request(`${mesh.restUrl}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "flaky-instruct", prompt: "hello", stream: true }),
    });
    await failover.body.text();
    assert.equal(failover.statusCode, 200);
    assert.equal(failover.headers["x-switchyard-deployment"], "oai-instruct");
    assert.equal(failover.headers["x-switchyard-attempts"], "2");
    const groq = await post({ model: "groq-chat", prompt: "x", stream: true });
    assert.equal(groq.status, 400);
    assert.match((groq.json as { error: { message: string } }).error.message, /groq does not support streamed text/);
  });

  it("serves GatewayService.StreamCompletion to a plain gRPC client, the charge after the last chunk", async () => {
    const grpcClient = createClient(mesh.grpcAddress);
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${MASTER_KEY}`);
      const stream = callStream(
        grpcClient,
        gateway.GatewayService.method.streamCompletion,
        create(gateway.StreamCompletionRequestSchema, { request: { model: "instruct", prompts: ["hi there"] } }),
        { metadata: md },
      );
      let text = "";
      const charges: bigint[] = [];
      for await (const msg of stream as AsyncIterable<gateway.StreamCompletionResponse>) {
        if (msg.charge) {
          assert.equal(msg.chunk, undefined, "the charge comes in its own message");
          charges.push(msg.charge.costNanos);
          continue;
        }
        assert.equal(charges.length, 0, "the charge comes after the last chunk");
        text += msg.chunk?.choices.map((c) => c.text).join("") ?? "";
      }
      assert.equal(text, "completion 0 of hi there");
      assert.equal(charges.length, 1);
      assert.ok(charges[0]! > 0n);
      assert.equal((upstream.requests.at(-1)!.body as { stream?: unknown }).stream, true);
    } finally {
      grpcClient.close();
    }
  });
});
