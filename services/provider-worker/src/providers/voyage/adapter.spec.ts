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
import { voyageAdapter } from "./index.js";

const KEY = "pa-test-voyage-0123456789";

describe("voyage adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (model: string) =>
    testContext(testDeployment("voyage", { model, apiBase: `${upstream.url}/v1` }), dispatcher, { apiKey: KEY });
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

  it("reranks with top_k and reads Voyage's data list, most relevant first", async () => {
    reply(200, "rerank-response.json");
    const out = await voyageAdapter.rerank!(rerankRequest({ returnDocuments: true }), ctx("rerank-2.5"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/rerank");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    const body = JSON.parse(seen.body);
    assert.equal(body.top_k, 2);
    assert.equal(body.return_documents, false);
    assert.equal(body.model, "rerank-2.5");
    assert.deepEqual(
      out.results.map((r) => [r.index, r.document?.text]),
      [
        [1, "Washington, D.C. is the capital of the United States."],
        [0, "Carson City is the capital city of the American state of Nevada."],
      ],
    );
    assert.equal(out.usage?.promptTokens, 42);
  });

  it("embeds with output_dimension and Voyage's input_type, tokens as prompt tokens", async () => {
    reply(200, "embeddings-response.json");
    const request = create(llm.EmbeddingRequestSchema, {
      model: "e",
      texts: ["hello"],
      dimensions: 2,
      user: "u1",
      extraJson: '{"input_type":"query"}',
    });
    const out = await voyageAdapter.embed!(request, ctx("voyage-3.5"));
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body), {
      input: ["hello"],
      model: "voyage-3.5",
      output_dimension: 2,
      input_type: "query",
    });
    assert.equal(out.data[0]?.vector.length, 2);
    assert.equal(out.usage?.promptTokens, 10);
  });

  it("classifies a 429 as rate limited and refuses chat by provider name", async () => {
    reply(429, "error-429.json");
    await assert.rejects(
      voyageAdapter.rerank!(rerankRequest(), ctx("r")),
      isErrorClass(llm.ErrorClass.RATE_LIMITED, KEY),
    );
    await assert.rejects(
      voyageAdapter.chat(create(llm.ChatCompletionRequestSchema), ctx("r")),
      /voyage does not support chat completions/,
    );
  });
});
