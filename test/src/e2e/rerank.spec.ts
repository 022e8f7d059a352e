// /v1/rerank (LiteLLM's Cohere-shaped endpoint) and GatewayService.Rerank through the real mesh, against fake Cohere,
// Jina AI, Voyage AI and Infinity upstreams, with fallbacks; every answer validated against LiteLLM's documented
// RerankResponse shape. Jina, Voyage and Infinity embeddings go through /v1/embeddings too.
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
import { assertRerankResponse } from "../conformance-rerank.js";
import {
  FAKE_COHERE_KEY,
  FAKE_INFINITY_KEY,
  FAKE_JINA_KEY,
  FAKE_VOYAGE_KEY,
  type FakeUpstream,
  startFakeCohere,
  startFakeInfinity,
  startFakeJina,
  startFakeVoyage,
} from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

let cohere: FakeUpstream;
let jina: FakeUpstream;
let voyage: FakeUpstream;
let infinity: FakeUpstream;
let brokenJina: FakeUpstream;
let mesh: Mesh;

const QUERY = "What is the capital of the United States?";
const DOCUMENTS = [
  "Carson City is the capital city of the American state of Nevada.",
  "Washington, D.C. is the capital of the United States.",
  "Capital punishment has existed in the United States since before it was a country.",
];

before(async () => {
  [cohere, jina, voyage, infinity, brokenJina] = await Promise.all([
    startFakeCohere(),
    startFakeJina(),
    startFakeVoyage(),
    startFakeInfinity(),
    startFakeJina(),
  ]);
  brokenJina.setDefault({ status: 503, body: { detail: "Service Unavailable" } });
  const dir = mkdtempSync(join(tmpdir(), "switchyard-rerank-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: cohere-rerank
    litellm_params: { model: cohere/rerank-v3.5, api_base: "${cohere.url}", api_key: os.environ/E2E_COHERE_KEY }
    model_info: { id: cohere-rerank }
  - model_name: jina-rerank
    litellm_params: { model: jina_ai/jina-reranker-v2-base-multilingual, api_base: "${jina.url}/v1", api_key: os.environ/E2E_JINA_KEY }
    model_info: { id: jina-rerank }
  - model_name: voyage-rerank
    litellm_params: { model: voyage/rerank-2.5, api_base: "${voyage.url}/v1", api_key: os.environ/E2E_VOYAGE_KEY }
    model_info: { id: voyage-rerank }
  - model_name: infinity-rerank
    litellm_params: { model: infinity/mixedbread-ai/mxbai-rerank-xsmall-v1, api_base: "${infinity.url}", api_key: os.environ/E2E_INFINITY_KEY }
    model_info: { id: infinity-rerank }
  - model_name: flaky-rerank
    litellm_params: { model: jina_ai/jina-reranker-v2-base-multilingual, api_base: "${brokenJina.url}/v1", api_key: os.environ/E2E_JINA_KEY }
    model_info: { id: flaky-rerank }
  - model_name: jina-embed
    litellm_params: { model: jina_ai/jina-embeddings-v3, api_base: "${jina.url}/v1", api_key: os.environ/E2E_JINA_KEY }
  - model_name: voyage-embed
    litellm_params: { model: voyage/voyage-3.5, api_base: "${voyage.url}/v1", api_key: os.environ/E2E_VOYAGE_KEY }
  - model_name: infinity-embed
    litellm_params: { model: infinity/BAAI/bge-small-en-v1.5, api_base: "${infinity.url}", api_key: os.environ/E2E_INFINITY_KEY }
  - model_name: mock-chat
    litellm_params: { model: mock/chat }
router_settings:
  num_retries: 0
  fallbacks: [{ flaky-rerank: [cohere-rerank] }]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: {
      SWITCHYARD_MASTER_KEY: MASTER_KEY,
      E2E_COHERE_KEY: FAKE_COHERE_KEY,
      E2E_JINA_KEY: FAKE_JINA_KEY,
      E2E_VOYAGE_KEY: FAKE_VOYAGE_KEY,
      E2E_INFINITY_KEY: FAKE_INFINITY_KEY,
    },
  });
});
after(async () => {
  await mesh?.stop();
  await Promise.all([cohere, jina, voyage, infinity, brokenJina].map((f) => f?.close()));
});

async function post(body: unknown, path = "/v1/rerank"): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${mesh.restUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

type Ranked = { id: string; results: Array<{ index: number; relevance_score: number; document?: { text: string } }> };

describe("rerank through the mesh", () => {
  it("ranks with every provider in LiteLLM's shape, the most relevant document first", async () => {
    for (const [model, fake, path] of [
      ["cohere-rerank", cohere, "/v2/rerank"],
      ["jina-rerank", jina, "/v1/rerank"],
      ["voyage-rerank", voyage, "/v1/rerank"],
      ["infinity-rerank", infinity, "/rerank"],
    ] as const) {
      const res = await post({ model, query: QUERY, documents: DOCUMENTS, top_n: 2, return_documents: true });
      assert.equal(res.status, 200, `${model}: ${JSON.stringify(res.json)}`);
      assertRerankResponse(res.json);
      const body = res.json as Ranked;
      assert.equal(body.results.length, 2, model);
      assert.equal(body.results[0]?.index, 1, model);
      assert.equal(body.results[0]?.document?.text, DOCUMENTS[1], model);
      assert.ok(body.results[0]!.relevance_score >= body.results[1]!.relevance_score, model);
      assert.equal(res.headers.get("x-switchyard-deployment"), model);
      assert.equal(fake.requests.at(-1)?.path, path, model);
    }
    const sent = cohere.requests.at(-1)!;
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_COHERE_KEY}`);
    assert.deepEqual(sent.body, { model: "rerank-v3.5", query: QUERY, documents: DOCUMENTS, top_n: 2 });
    assert.equal((voyage.requests.at(-1)!.body as { top_k?: number }).top_k, 2);
  });

  it("reports and prices Cohere's search units, and prices token-billed providers by their tokens", async () => {
    const co = await post({ model: "cohere-rerank", query: QUERY, documents: DOCUMENTS });
    assert.equal((co.json as { meta: { billed_units: { search_units: number } } }).meta.billed_units.search_units, 1);
    assert.equal((co.json as Ranked).results[0]?.document, undefined, "documents only when asked");
    // One search unit of rerank-v3.5 at $2 per 1,000 searches.
    assert.equal(co.headers.get("x-switchyard-response-cost"), "0.002");
    const vo = await post({ model: "voyage-rerank", query: QUERY, documents: DOCUMENTS, rank_fields: undefined });
    const meta = (vo.json as { meta: { billed_units: { total_tokens: number } } }).meta;
    assert.ok(meta.billed_units.total_tokens > 0);
    assert.ok(Number(vo.headers.get("x-switchyard-response-cost")) > 0, "voyage rerank-2.5 is priced per token");
  });

  it("takes object documents and falls back to the next group when the upstream fails", async () => {
    const res = await post({ model: "flaky-rerank", query: "capital", documents: [{ text: "a capital" }, "b"] });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertRerankResponse(res.json);
    assert.equal(res.headers.get("x-switchyard-deployment"), "cohere-rerank");
    assert.equal(res.headers.get("x-switchyard-attempts"), "2");
  });

  it("refuses bad input, v1-only Cohere fields and rerank on a provider without it, naming them", async () => {
    const cases: Array<[unknown, string]> = [
      [{ query: "q", documents: ["a"] }, "model"],
      [{ model: "jina-rerank", documents: ["a"] }, "query"],
      [{ model: "jina-rerank", query: "q", documents: [] }, "documents"],
      [{ model: "jina-rerank", query: "q", documents: ["a", 3] }, "documents[1]"],
      [{ model: "jina-rerank", query: "q", documents: ["a"], top_n: 0 }, "top_n"],
      [{ model: "cohere-rerank", query: "q", documents: ["a"], rank_fields: ["title"] }, "rank_fields"],
    ];
    for (const [body, param] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertErrorResponse(res.json);
      assert.equal((res.json as { error: { param: string } }).error.param, param, JSON.stringify(res.json));
    }
    const unsupported = await post({ model: "mock-chat", query: "q", documents: ["a"] });
    assert.equal(unsupported.status, 400);
    assert.match((unsupported.json as { error: { message: string } }).error.message, /mock does not support rerank/);
    const chat = await post(
      { model: "jina-rerank", messages: [{ role: "user", content: "hi" }] },
      "/v1/chat/completions",
    );
    assert.equal(chat.status, 400);
    assert.match((chat.json as { error: { message: string } }).error.message, /jina_ai does not support chat/);
  });

  it("embeds with Jina AI, Voyage AI and Infinity through /v1/embeddings", async () => {
    const client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    for (const model of ["jina-embed", "voyage-embed", "infinity-embed"]) {
      const res = await client.embeddings.create({ model, input: ["hello", "world"], encoding_format: "float" });
      assertSchema("CreateEmbeddingResponse", res);
      assert.equal(res.data.length, 2, model);
      assert.ok(res.usage.prompt_tokens > 0, model);
    }
    assert.deepEqual(voyage.requests.at(-1)!.body, { input: ["hello", "world"], model: "voyage-3.5" });
  });

  it("serves GatewayService.Rerank to a plain gRPC client", async () => {
    const grpcClient = createClient(mesh.grpcAddress);
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${MASTER_KEY}`);
      const request = { model: "jina-rerank", query: QUERY, documents: DOCUMENTS.map((text) => ({ text })), topN: 1 };
      const res = await callUnary(
        grpcClient,
        gateway.GatewayService.method.rerank,
        create(gateway.RerankRequestSchema, { request }),
        { metadata: md },
      );
      assert.equal(res.value.response?.results.length, 1);
      assert.equal(res.value.response?.results[0]?.index, 1);
      assert.ok((res.value.response?.usage?.promptTokens ?? 0) > 0);
      await assert.rejects(
        callUnary(
          grpcClient,
          gateway.GatewayService.method.rerank,
          create(gateway.RerankRequestSchema, { request: { model: "jina-rerank", query: "q" } }),
          { metadata: md },
        ),
        (err: unknown) => {
          assert.match(GatewayError.from(err).message, /request\.documents: expected at least one document/);
          return true;
        },
      );
    } finally {
      grpcClient.close();
    }
  });
});
