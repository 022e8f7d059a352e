import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { bearer } from "./auth.js";
import { requestIdFrom } from "./request-id.js";
import { validateChatRequest } from "./validate.js";

describe("bearer", () => {
  it("extracts the token of a well-formed header only", () => {
    assert.equal(bearer("Bearer sk-abc"), "sk-abc");
    assert.equal(bearer("bearer  sk-abc "), "sk-abc");
    for (const bad of [undefined, "", "sk-abc", "Basic abc", "Bearer", "Bearer a b", "Bearer ' OR '1'='1"]) {
      assert.equal(bearer(bad), undefined, String(bad));
    }
  });
});

describe("requestIdFrom", () => {
  it("echoes safe ids and replaces anything else", () => {
    assert.equal(requestIdFrom("req-1.a:b_c"), "req-1.a:b_c");
    for (const bad of ["a\r\nx-evil: 1", "x".repeat(129), "", 42, undefined, "<script>"]) {
      assert.match(requestIdFrom(bad), /^[0-9a-f-]{36}$/);
    }
  });
});

describe("validateChatRequest", () => {
  const valid = () =>
    create(llm.ChatCompletionRequestSchema, {
      model: "m",
      messages: [{ role: llm.Role.USER, content: { case: "text", value: "hi" } }],
    });
  const rejects = (mutate: (r: llm.ChatCompletionRequest) => void, field: string) => {
    const r = valid();
    mutate(r);
    assert.throws(
      () => validateChatRequest(r),
      (err: GatewayError) =>
        err.errorClass === llm.ErrorClass.INVALID_REQUEST &&
        err.detail.param === `request.${field}` &&
        err.message.startsWith(`request.${field}:`),
    );
  };
  it("accepts a minimal request", () => assert.ok(validateChatRequest(valid())));
  it("names the field it refuses", () => {
    rejects((r) => (r.model = ""), "model");
    rejects((r) => (r.messages = []), "messages");
    rejects((r) => (r.temperature = 2.5), "temperature");
    rejects((r) => (r.temperature = Number.NaN), "temperature");
    rejects((r) => (r.topP = -1), "top_p");
    rejects((r) => (r.n = 0), "n");
    rejects((r) => (r.maxTokens = 0), "max_tokens");
    rejects((r) => (r.stop = ["a", "b", "c", "d", "e"]), "stop");
    rejects((r) => (r.extraJson = "[1]"), "extra_json");
    rejects((r) => (r.extraJson = "{"), "extra_json");
  });
  it("refuses a missing request", () => {
    assert.throws(() => validateChatRequest(undefined), /request: required/);
  });
});
