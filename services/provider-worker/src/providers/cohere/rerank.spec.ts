import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { cohereAdapter } from "./index.js";

const KEY = "co-test-key-0123456789";

/** The request behind rerank-request.json: two text documents and one object without text. */
export function rerankRequest(
  extra: { returnDocuments?: boolean; maxTokensPerDoc?: number; rankFields?: string[]; maxChunksPerDoc?: number } = {},
): llm.RerankRequest {
  return create(llm.RerankRequestSchema, {
    model: "rerank",
    query: "What is the capital of the United States?",
    documents: [
      { text: "Carson City is the capital city of the American state of Nevada." },
      { text: "Washington, D.C. is the capital of the United States." },
      { text: "", json: '{"text":"","title":"Capital punishment"}' },
    ],
    topN: 2,
    ...extra,
  });
}

describe("cohere rerank over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (params: Record<string, unknown> = {}) =>
    testContext(testDeployment("cohere", { model: "rerank-v3.5", apiBase: upstream.url, params }), dispatcher, {
      apiKey: KEY,
    });
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs v2's body to /v2/rerank and returns the ranking with its search units and the asked documents", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(fixture(import.meta.url, "rerank-response.json")),
    );
    const out = await cohereAdapter.rerank!(rerankRequest({ maxTokensPerDoc: 512, returnDocuments: true }), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v2/rerank");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "rerank-request.json")));
    assert.equal(out.id, "07734bd2-2473-4f07-94e1-0d9f0e6843cf");
    assert.equal(out.searchUnits, 1);
    assert.deepEqual(
      out.results.map((r) => [r.index, r.relevanceScore, r.document?.text]),
      [
        [1, 0.999071, "Washington, D.C. is the capital of the United States."],
        [0, 0.32713068, "Carson City is the capital city of the American state of Nevada."],
      ],
    );
  });

  it("refuses v1's rank_fields and max_chunks_per_doc by name unless drop_params", async () => {
    await assert.rejects(cohereAdapter.rerank!(rerankRequest({ rankFields: ["title"] }), ctx()), (err: unknown) => {
      isErrorClass(llm.ErrorClass.INVALID_REQUEST)(err);
      assert.match(String(err), /rank_fields/);
      return true;
    });
    await assert.rejects(cohereAdapter.rerank!(rerankRequest({ maxChunksPerDoc: 3 }), ctx()), /max_chunks_per_doc/);
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(fixture(import.meta.url, "rerank-response.json")),
    );
    const out = await cohereAdapter.rerank!(rerankRequest({ rankFields: ["title"] }), ctx({ drop_params: true }));
    assert.equal(out.results.length, 2);
  });

  it("classifies Cohere's errors and never echoes the key", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(429, { "content-type": "application/json" }).end('{"message":"trial key rate limited"}'),
    );
    await assert.rejects(cohereAdapter.rerank!(rerankRequest(), ctx()), isErrorClass(llm.ErrorClass.RATE_LIMITED, KEY));
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"results":[{"index":9}]}'),
    );
    await assert.rejects(cohereAdapter.rerank!(rerankRequest(), ctx()), isErrorClass(llm.ErrorClass.UNAVAILABLE));
  });
});
