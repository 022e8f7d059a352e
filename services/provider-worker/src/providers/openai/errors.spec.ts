import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { fixture } from "../testkit.js";
import { classifyOpenAIError, openAIStreamError } from "./errors.js";

const { ErrorClass } = llm;

function classify(status: number, name: string, headers: Record<string, string> = {}) {
  const body = fixture(import.meta.url, name);
  return classifyOpenAIError({ status, headers, body, provider: "openai", deploymentId: "d/0" });
}

describe("classifyOpenAIError", () => {
  it("classifies the recorded error bodies", () => {
    const table: [number, string, llm.ErrorClass][] = [
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [400, "error-400-param.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [400, "error-400-content-filter.json", ErrorClass.CONTENT_POLICY],
      [401, "error-401.json", ErrorClass.AUTH],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
      [503, "error-500.json", ErrorClass.UNAVAILABLE],
      [504, "error-500.json", ErrorClass.TIMEOUT],
    ];
    for (const [status, name, cls] of table) assert.equal(classify(status, name).errorClass, cls, name);
  });

  it("keeps param and code of a 400 and hides the organisation named by a 429", () => {
    const bad = classify(400, "error-400-param.json");
    assert.deepEqual([bad.detail.param, bad.detail.code, bad.detail.httpStatus], ["temperature", "invalid_type", 400]);
    const limited = classify(429, "error-429.json", { "retry-after": "2" });
    assert.ok(!limited.message.includes("org-abc123"));
    assert.equal(limited.detail.retryAfterSeconds, 2);
    const context = classify(400, "error-400-context.json");
    assert.equal(context.detail.code, "context_length_exceeded");
  });

  it("does not echo the masked key of a 401", () => {
    assert.ok(!classify(401, "error-401.json").message.includes("sk-"));
  });

  it("classifies errors of compatible servers with other shapes", () => {
    const err = classifyOpenAIError({
      status: 400,
      headers: {},
      body: '{"detail":"This model\'s maximum context length is 4096 tokens"}',
      provider: "openai",
      deploymentId: "d/0",
    });
    assert.equal(err.errorClass, ErrorClass.CONTEXT_WINDOW_EXCEEDED);
  });

  it("classifies mid-stream errors from their type", () => {
    const dep = { provider: "openai", id: "d/0" } as const;
    assert.equal(openAIStreamError({ error: { type: "server_error" } }, dep).errorClass, ErrorClass.UNAVAILABLE);
    assert.equal(
      openAIStreamError({ error: { type: "tokens", code: "rate_limit_exceeded" } }, dep).errorClass,
      ErrorClass.RATE_LIMITED,
    );
  });
});
