import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { rerankRequest } from "../cohere/rerank.spec.js";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { jinaAiAdapter } from "./index.js";

const KEY = "jina_test_0123456789";

describe("jina_ai adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (model: string) =>
    testContext(testDeployment("jina_ai", { model, apiBase: `${upstream.url}/v1` }), dispatcher, { apiKey: KEY });
  const reply = (status: number, name: string) =>
    upstream.handle((_req, res) =>
      res.writeHead(status, { "content-type": "application/json" }).end(fixture(import.meta.url, name)),
    );
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("reranks at /v1/rerank in Cohere's shape, metered by Jina's tokens", async () => {
    reply(200, "rerank-response.json");
    const out = await jinaAiAdapter.rerank!(rerankRequest(), ctx("jina-reranker-v2-base-multilingual"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/rerank");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), {
      model: "jina-reranker-v2-base-multilingual",
      query: "What is the capital of the United States?",
      documents: [
        "Carson City is the capital city of the American state of Nevada.",
        "Washington, D.C. is the capital of the United States.",
        '{"text":"","title":"Capital punishment"}',
      ],
      top_n: 2,
      return_documents: false,
    });
    assert.deepEqual(
      out.results.map((r) => r.index),
      [1, 0],
    );
    assert.equal(out.usage?.promptTokens, 38);
    assert.equal(out.results[0]?.document, undefined, "documents only when asked");
  });

  it("embeds at /v1/embeddings in OpenAI's shape, refusing token ids", async () => {
    reply(200, "embeddings-response.json");
    const request = create(llm.EmbeddingRequestSchema, { model: "e", texts: ["a", "b"], dimensions: 3 });
    const out = await jinaAiAdapter.embed!(request, ctx("jina-embeddings-v3"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/embeddings");
    assert.deepEqual(JSON.parse(seen.body), {
      model: "jina-embeddings-v3",
      input: ["a", "b"],
      encoding_format: "float",
      dimensions: 3,
    });
    assert.deepEqual(out.data[1]?.vector, [0.4, 0.5, -0.6]);
    assert.equal(out.usage?.promptTokens, 9);
    const tokens = create(llm.EmbeddingRequestSchema, { model: "e", tokenInputs: [{ ids: [1, 2] }] });
    await assert.rejects(jinaAiAdapter.embed!(tokens, ctx("jina-embeddings-v3")), /input/);
  });

  it("keeps Jina's 4xx message, and refuses chat with a 400 naming the provider", async () => {
    reply(422, "error-422.json");
    await assert.rejects(jinaAiAdapter.rerank!(rerankRequest(), ctx("r")), (err: unknown) => {
      isErrorClass(llm.ErrorClass.INVALID_REQUEST, KEY)(err);
      assert.match(String(err), /query is required/);
      return true;
    });
    await assert.rejects(
      jinaAiAdapter.chat(create(llm.ChatCompletionRequestSchema), ctx("r")),
      /jina_ai does not support chat completions/,
    );
  });
});
