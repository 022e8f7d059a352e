import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { documentText, parseRerankRequest, renderRerankResponse } from "./rerank.js";

function paramOf(body: unknown): string {
  try {
    parseRerankRequest(body);
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
    return err.detail.param;
  }
  assert.fail("expected a GatewayError");
}

describe("rerank requests (LiteLLM's Cohere shape)", () => {
  it("reads strings and objects, and the optional fields", () => {
    const req = parseRerankRequest({
      model: "rerank",
      query: "capital",
      documents: ["Paris", { text: "Berlin", id: 7 }, { title: "no text" }],
      top_n: 2,
      return_documents: true,
      rank_fields: ["title"],
      max_chunks_per_doc: 3,
      max_tokens_per_doc: 512,
      truncation: true,
    });
    assert.equal(req.documents.length, 3);
    assert.deepEqual(req.documents.map(documentText), ["Paris", "Berlin", '{"title":"no text"}']);
    assert.equal(req.documents[1]?.json, '{"text":"Berlin","id":7}');
    assert.equal(req.topN, 2);
    assert.equal(req.returnDocuments, true);
    assert.deepEqual(req.rankFields, ["title"]);
    assert.equal(req.maxChunksPerDoc, 3);
    assert.equal(req.maxTokensPerDoc, 512);
    assert.deepEqual(JSON.parse(req.extraJson), { truncation: true });
  });

  it("names every bad field", () => {
    assert.equal(paramOf({ query: "q", documents: ["a"] }), "model");
    assert.equal(paramOf({ model: "m", documents: ["a"] }), "query");
    assert.equal(paramOf({ model: "m", query: "", documents: ["a"] }), "query");
    assert.equal(paramOf({ model: "m", query: "q" }), "documents");
    assert.equal(paramOf({ model: "m", query: "q", documents: [] }), "documents");
    assert.equal(paramOf({ model: "m", query: "q", documents: ["a", 5] }), "documents[1]");
    assert.equal(paramOf({ model: "m", query: "q", documents: [{ text: 5 }] }), "documents[0].text");
    assert.equal(paramOf({ model: "m", query: "q", documents: ["a"], top_n: 0 }), "top_n");
    assert.equal(paramOf({ model: "m", query: "q", documents: ["a"], return_documents: "y" }), "return_documents");
    assert.equal(paramOf({ model: "m", query: "q", documents: ["a"], rank_fields: [1] }), "rank_fields[0]");
  });
});

describe("rerank answers", () => {
  it("renders LiteLLM's {id, results, meta: {billed_units, tokens}} with documents only when attached", () => {
    const res = create(llm.RerankResponseSchema, {
      id: "r-1",
      results: [
        { index: 1, relevanceScore: 0.9, document: { text: "Berlin", json: '{"text":"Berlin","id":7}' } },
        { index: 0, relevanceScore: 0.1, document: { text: "Paris" } },
      ],
      searchUnits: 1,
    });
    assert.deepEqual(JSON.parse(renderRerankResponse(res)), {
      id: "r-1",
      results: [
        { index: 1, relevance_score: 0.9, document: { text: "Berlin", id: 7 } },
        { index: 0, relevance_score: 0.1, document: { text: "Paris" } },
      ],
      meta: { billed_units: { search_units: 1 }, tokens: { input_tokens: 0, output_tokens: 0 } },
    });
    const tokens = create(llm.RerankResponseSchema, {
      id: "r-2",
      results: [{ index: 0, relevanceScore: 0.5 }],
      usage: { promptTokens: 12, totalTokens: 12 },
    });
    assert.deepEqual(JSON.parse(renderRerankResponse(tokens)), {
      id: "r-2",
      results: [{ index: 0, relevance_score: 0.5 }],
      meta: { billed_units: { search_units: 0, total_tokens: 12 }, tokens: { input_tokens: 12, output_tokens: 0 } },
    });
  });
});
