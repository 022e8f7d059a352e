import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { fixture } from "../testkit.js";
import { classifyAzureError } from "./errors.js";

const { ErrorClass } = llm;

function classify(status: number, body: string, headers: Record<string, string> = {}) {
  return classifyAzureError({ status, headers, body, provider: "azure", deploymentId: "d/0" });
}
const recorded = (status: number, name: string, headers: Record<string, string> = {}) =>
  classify(status, fixture(import.meta.url, name), headers);

describe("classifyAzureError", () => {
  it("classifies the recorded Azure OpenAI error bodies", () => {
    const table: [number, string, llm.ErrorClass][] = [
      [400, "error-400-content-filter.json", ErrorClass.CONTENT_POLICY],
      [400, "error-400-jailbreak.json", ErrorClass.CONTENT_POLICY],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [401, "error-401.json", ErrorClass.AUTH],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [500, "error-500.json", ErrorClass.UNAVAILABLE],
      [503, "error-500.json", ErrorClass.UNAVAILABLE],
      [504, "error-500.json", ErrorClass.TIMEOUT],
    ];
    for (const [status, name, cls] of table) assert.equal(recorded(status, name).errorClass, cls, name);
  });

  it("keeps the content filter's code and param, and reads retry-after-ms before retry-after", () => {
    const filtered = recorded(400, "error-400-jailbreak.json");
    assert.deepEqual([filtered.detail.code, filtered.detail.param], ["invalid_prompt", "prompt"]);
    const limited = recorded(429, "error-429.json", { "retry-after-ms": "6500", "retry-after": "7" });
    assert.equal(limited.detail.retryAfterSeconds, 6.5);
    assert.ok(!limited.message.includes("S0 pricing tier"));
  });

  it("reads the model inference API's flat bodies and 422 details", () => {
    const flat = classify(401, '{"error":"Unauthorized","message":"Access token is missing or invalid","status":401}');
    assert.equal(flat.errorClass, ErrorClass.AUTH);
    const extra = classify(
      422,
      JSON.stringify({
        error: {
          code: "Invalid input",
          status: 422,
          message: "invalid input error",
          details: [{ type: "extra_forbidden", loc: ["body", "logprobs"], msg: "Extra inputs are not permitted" }],
        },
      }),
    );
    assert.deepEqual(
      [extra.errorClass, extra.detail.param, extra.detail.httpStatus],
      [ErrorClass.INVALID_REQUEST, "logprobs", 422],
    );
    const context = classify(
      400,
      '{"error":"Bad Request","message":"This model\'s maximum context length is 8192 tokens"}',
    );
    assert.equal(context.errorClass, ErrorClass.CONTEXT_WINDOW_EXCEEDED);
    assert.equal(classify(502, "<html>Bad Gateway</html>").errorClass, ErrorClass.UNAVAILABLE);
  });
});
