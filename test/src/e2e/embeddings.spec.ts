// /v1/embeddings and GatewayService.CreateEmbedding through the real mesh: the OpenAI SDK as the client, a fake
// OpenAI upstream, the built-in mock, fallbacks, and every answer validated against OpenAI's OpenAPI spec.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { gateway } from "@switchyard/proto";
import { callUnary, createClient, GatewayError } from "@switchyard/runtime";
import OpenAI from "openai";
import { assertErrorResponse, assertSchema } from "../conformance.js";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY, OPENAI_KEY } from "./setup.js";

let upstream: FakeUpstream;
let broken: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  broken = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  broken.setDefault({
    status: 500,
    body: { error: { message: "boom", type: "server_error", param: null, code: null } },
  });
  const dir = mkdtempSync(join(tmpdir(), "switchyard-embeddings-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: text-embedding-3-small
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${upstream.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: oai-embed, mode: embedding }
  - model_name: flaky-embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${broken.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: flaky-embed, mode: embedding }
  - model_name: mock-embed
    litellm_params: { model: mock/embed }
    model_info: { id: mock-embed, mode: embedding }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: os.environ/E2E_OPENAI_KEY }
router_settings:
  num_retries: 0
  fallbacks: [{ flaky-embed: [mock-embed] }]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({ configPath, env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_OPENAI_KEY: OPENAI_KEY } });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await upstream?.close();
  await broken?.close();
});

async function post(body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${mesh.restUrl}/v1/embeddings`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

describe("embeddings through the mesh", () => {
  it("answers the OpenAI SDK (which asks for base64) with one vector per input, priced", async () => {
    const raw = await client.embeddings
      .create({ model: "text-embedding-3-small", input: ["hello", "world!"] })
      .withResponse();
    const res = raw.data;
    assert.equal(res.data.length, 2);
    assert.deepEqual(
      res.data.map((d) => d.index),
      [0, 1],
    );
    assert.equal(res.data[0]?.embedding.length, 3);
    assert.ok(res.usage.prompt_tokens > 0);
    assert.equal(raw.response.headers.get("x-switchyard-deployment"), "oai-embed");
    assert.ok(Number(raw.response.headers.get("x-switchyard-response-cost")) > 0, "text-embedding-3-small is priced");
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.path, "/v1/embeddings");
    assert.equal(sent.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.deepEqual(sent.body, {
      model: "text-embedding-3-small",
      input: ["hello", "world!"],
      encoding_format: "float",
    });
  });

  it("renders floats or base64 exactly as OpenAI does, valid against the spec", async () => {
    const floats = await post({ model: "text-embedding-3-small", input: "hello", dimensions: 4 });
    assert.equal(floats.status, 200);
    assertSchema("CreateEmbeddingResponse", floats.json);
    const vector = (floats.json as { data: Array<{ embedding: number[] }> }).data[0]!.embedding;
    assert.equal(vector.length, 4);
    assert.equal((upstream.requests.at(-1)!.body as { dimensions?: number }).dimensions, 4);
    const packed = await post({
      model: "text-embedding-3-small",
      input: "hello",
      dimensions: 4,
      encoding_format: "base64",
    });
    assert.equal(packed.status, 200);
    const b64 = (packed.json as { data: Array<{ embedding: string }> }).data[0]!.embedding;
    const bytes = Uint8Array.from(Buffer.from(b64, "base64"));
    const decoded = Array.from(new Float32Array(bytes.buffer));
    assert.deepEqual(
      decoded,
      vector.map((x) => Math.fround(x)),
    );
  });

  it("takes token ids as input", async () => {
    const res = await post({
      model: "mock-embed",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    assert.equal(res.status, 200);
    assertSchema("CreateEmbeddingResponse", res.json);
    const body = res.json as { data: unknown[]; usage: { prompt_tokens: number } };
    assert.equal(body.data.length, 2);
    assert.equal(body.usage.prompt_tokens, 5);
  });

  it("falls back to the next group when the upstream fails", async () => {
    const res = await post({ model: "flaky-embed", input: "hello" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-switchyard-deployment"), "mock-embed");
    assert.equal(res.headers.get("x-switchyard-attempts"), "2");
  });

  it("refuses bad input with an OpenAI error naming the field, and a provider without embeddings by name", async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: "mock-embed" }, "input"],
      [{ model: "mock-embed", input: [] }, "input"],
      [{ model: "mock-embed", input: ["ok", ""] }, "input[1]"],
      [{ model: "mock-embed", input: "x", encoding_format: "hex" }, "encoding_format"],
      [{ model: "mock-embed", input: "x", dimensions: 0 }, "dimensions"],
      [{ input: "x" }, "model"],
    ];
    for (const [body, param] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertErrorResponse(res.json);
      assert.equal((res.json as { error: { param: string } }).error.param, param);
    }
    const unsupported = await post({ model: "claude", input: "x" });
    assert.equal(unsupported.status, 400);
    assert.match(
      (unsupported.json as { error: { message: string } }).error.message,
      /anthropic does not support embeddings/,
    );
  });

  it("serves GatewayService.CreateEmbedding to a plain gRPC client", async () => {
    const grpcClient = createClient(mesh.grpcAddress);
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${MASTER_KEY}`);
      const res = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createEmbedding,
        create(gateway.CreateEmbeddingRequestSchema, { request: { model: "mock-embed", texts: ["a", "b", "c"] } }),
        { metadata: md },
      );
      assert.equal(res.value.response?.data.length, 3);
      assert.equal(res.value.response?.data[2]?.index, 2);
      assert.ok((res.value.charge?.costNanos ?? 0n) > 0n, "the mock is priced");
      assert.equal(res.headers.get("x-switchyard-deployment")[0], "mock-embed");
      await assert.rejects(
        callUnary(
          grpcClient,
          gateway.GatewayService.method.createEmbedding,
          create(gateway.CreateEmbeddingRequestSchema, { request: { model: "mock-embed" } }),
          { metadata: md },
        ),
        (err: unknown) => {
          assert.match(GatewayError.from(err).message, /request\.texts: expected at least one input/);
          return true;
        },
      );
    } finally {
      grpcClient.close();
    }
  });
});
