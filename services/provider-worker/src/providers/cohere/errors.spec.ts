import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { fixture } from "../testkit.js";
import { classifyCohereError, cohereStreamError } from "./errors.js";

const { ErrorClass } = llm;

function classify(status: number, name: string, headers: Record<string, string> = {}) {
  const body = fixture(import.meta.url, name);
  return classifyCohereError({ status, headers, body, provider: "cohere", deploymentId: "d/0" });
}

describe("classifyCohereError", () => {
  it("classifies the recorded error bodies by status and wording", () => {
    const table: [number, string, llm.ErrorClass][] = [
      [400, "error-400.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [401, "error-401.json", ErrorClass.AUTH],
      [402, "error-402.json", ErrorClass.PERMISSION_DENIED],
      [404, "error-400.json", ErrorClass.NOT_FOUND],
      [422, "error-422.json", ErrorClass.INVALID_REQUEST],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [498, "error-498.json", ErrorClass.AUTH],
      [499, "error-499.json", ErrorClass.UNAVAILABLE],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
      [503, "error-503.json", ErrorClass.UNAVAILABLE],
      [504, "error-503.json", ErrorClass.TIMEOUT],
    ];
    for (const [status, name, cls] of table) assert.equal(classify(status, name).errorClass, cls, `${status} ${name}`);
  });

  it("shows the message of a bad request and hides that of a rate limit", () => {
    const bad = classify(400, "error-400.json");
    assert.match(bad.message, /message must be at least 1 token long/);
    assert.equal(bad.detail.httpStatus, 400);
    const context = classify(400, "error-400-context.json");
    assert.equal(context.detail.code, "context_length_exceeded");
    const limited = classify(429, "error-429.json", { "retry-after": "12" });
    assert.ok(!limited.message.includes("Trial key"));
    assert.equal(limited.detail.retryAfterSeconds, 12);
  });

  it("gives Cohere's 498 and 499 their class's status, which OpenAI clients know", () => {
    assert.equal(classify(498, "error-498.json").detail.httpStatus, 401);
    assert.equal(classify(499, "error-499.json").detail.httpStatus, 503);
    assert.equal(classify(402, "error-402.json").detail.httpStatus, 402);
  });

  it("classifies an error event mid-stream as UNAVAILABLE", () => {
    const err = cohereStreamError('{"message":"internal server error"}', { provider: "cohere", id: "d/0" });
    assert.equal(err.errorClass, ErrorClass.UNAVAILABLE);
  });
});
