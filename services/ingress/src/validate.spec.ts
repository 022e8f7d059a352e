import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { validateCompletionRequest, validateRerankRequest } from "./validate.js";

function paramOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
    return err.detail.param;
  }
  assert.fail("expected a GatewayError");
}

describe("gRPC text completion requests", () => {
  const ok = { model: "m", prompts: ["hi"] };
  const check = (init: Parameters<typeof create<typeof llm.CompletionRequestSchema>>[1]) => () =>
    validateCompletionRequest(create(llm.CompletionRequestSchema, init));

  it("accepts text or token prompts and names every bad field under request.", () => {
    assert.doesNotThrow(check(ok));
    assert.doesNotThrow(check({ model: "m", tokenPrompts: [{ ids: [1] }] }));
    assert.equal(
      paramOf(() => validateCompletionRequest(undefined)),
      "request",
    );
    assert.equal(paramOf(check({ prompts: ["x"] })), "request.model");
    assert.equal(paramOf(check({ model: "m" })), "request.prompts");
    assert.equal(paramOf(check({ model: "m", prompts: ["a"], tokenPrompts: [{ ids: [1] }] })), "request.token_prompts");
    assert.equal(paramOf(check({ model: "m", tokenPrompts: [{ ids: [] }] })), "request.token_prompts[0]");
    assert.equal(paramOf(check({ ...ok, temperature: 3 })), "request.temperature");
    assert.equal(paramOf(check({ ...ok, logprobs: 9 })), "request.logprobs");
    assert.doesNotThrow(check({ ...ok, stream: true }), "the call, not the field, decides streaming");
    assert.equal(paramOf(check({ ...ok, extraJson: "[1]" })), "request.extra_json");
  });
});

describe("gRPC rerank requests", () => {
  const check = (init: Parameters<typeof create<typeof llm.RerankRequestSchema>>[1]) => () =>
    validateRerankRequest(create(llm.RerankRequestSchema, init));

  it("needs a model, a query and documents with text or json, and names every bad field", () => {
    assert.doesNotThrow(check({ model: "m", query: "q", documents: [{ text: "a" }, { json: '{"t":1}' }] }));
    assert.equal(paramOf(check({ query: "q", documents: [{ text: "a" }] })), "request.model");
    assert.equal(paramOf(check({ model: "m", documents: [{ text: "a" }] })), "request.query");
    assert.equal(paramOf(check({ model: "m", query: "q" })), "request.documents");
    assert.equal(paramOf(check({ model: "m", query: "q", documents: [{ text: "a" }, {}] })), "request.documents[1]");
    assert.equal(
      paramOf(check({ model: "m", query: "q", documents: [{ json: "nope" }] })),
      "request.documents[0].json",
    );
    assert.equal(paramOf(check({ model: "m", query: "q", documents: [{ text: "a" }], topN: 0 })), "request.top_n");
  });
});
