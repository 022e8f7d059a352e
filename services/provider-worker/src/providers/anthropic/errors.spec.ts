import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { fixture } from "../testkit.js";
import { anthropicStreamError, classifyAnthropicError } from "./errors.js";

const { ErrorClass } = llm;
const dep = { provider: "anthropic", id: "d/0" } as const;

function classify(status: number, name: string) {
  const body = fixture(import.meta.url, name);
  return classifyAnthropicError({ status, headers: {}, body, provider: "anthropic", deploymentId: "d/0" });
}

describe("classifyAnthropicError", () => {
  it("classifies the recorded error bodies", () => {
    const table: [number, string, llm.ErrorClass][] = [
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [400, "error-400-param.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [401, "error-401.json", ErrorClass.AUTH],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
      [529, "error-529.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of table) assert.equal(classify(status, name).errorClass, cls, name);
  });

  it("reports context overflow with OpenAI's code and the upstream message", () => {
    const err = classify(400, "error-400-context.json");
    assert.equal(err.detail.code, "context_length_exceeded");
    assert.match(err.message, /prompt is too long/);
  });

  it("classifies the output content filter as CONTENT_POLICY", () => {
    const body =
      '{"type":"error","error":{"type":"invalid_request_error","message":"Output blocked by content filtering policy"}}';
    const err = classifyAnthropicError({ status: 400, headers: {}, body, provider: "anthropic", deploymentId: "d/0" });
    assert.equal(err.errorClass, ErrorClass.CONTENT_POLICY);
  });

  it("classifies stream error events by their type", () => {
    const event = (type: string) => `{"type":"error","error":{"type":"${type}","message":"x"}}`;
    assert.equal(anthropicStreamError(event("overloaded_error"), dep).errorClass, ErrorClass.UNAVAILABLE);
    assert.equal(anthropicStreamError(event("rate_limit_error"), dep).errorClass, ErrorClass.RATE_LIMITED);
    assert.equal(anthropicStreamError(event("invalid_request_error"), dep).errorClass, ErrorClass.INVALID_REQUEST);
    assert.equal(anthropicStreamError("not json", dep).errorClass, ErrorClass.UNAVAILABLE);
  });
});
