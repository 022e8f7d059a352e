import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { UpstreamFailure } from "../errors.js";
import { fixture } from "../testkit.js";
import { classifyGoogleError, googleStreamError } from "./errors.js";

const { ErrorClass } = llm;

function failure(status: number, name: string, headers: UpstreamFailure["headers"] = {}): UpstreamFailure {
  return { status, headers, body: fixture(import.meta.url, name), provider: "gemini", deploymentId: "gemini-test/0" };
}

describe("gemini classifyGoogleError", () => {
  const cases: [number, string, llm.ErrorClass][] = [
    [400, "error-400.json", ErrorClass.INVALID_REQUEST],
    [400, "error-400-key.json", ErrorClass.AUTH],
    [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
    [401, "error-401.json", ErrorClass.AUTH],
    [403, "error-403.json", ErrorClass.PERMISSION_DENIED],
    [404, "error-404.json", ErrorClass.NOT_FOUND],
    [429, "error-429.json", ErrorClass.RATE_LIMITED],
    [500, "error-500.json", ErrorClass.UNAVAILABLE],
    [503, "error-503.json", ErrorClass.UNAVAILABLE],
    [504, "error-504.json", ErrorClass.TIMEOUT],
  ];
  for (const [status, name, cls] of cases) {
    it(`classifies ${name} as ${ErrorClass[cls]}`, () => {
      const err = classifyGoogleError(failure(status, name));
      assert.equal(err.errorClass, cls);
      assert.equal(err.detail.provider, "gemini");
      assert.equal(err.detail.deploymentId, "gemini-test/0");
    });
  }

  it("shows the client Gemini's message, status and param-free type for its own mistakes", () => {
    const err = classifyGoogleError(failure(400, "error-400.json"));
    assert.equal(err.detail.httpStatus, 400);
    assert.match(err.message, /contents.parts must not be empty/);
    assert.equal(err.detail.type, "INVALID_ARGUMENT");
    const context = classifyGoogleError(failure(400, "error-400-context.json"));
    assert.equal(context.detail.code, "context_length_exceeded");
  });

  it("hides the upstream message of an auth failure (it may name the key)", () => {
    const err = classifyGoogleError(failure(403, "error-403.json"));
    assert.doesNotMatch(err.message, /AIzaSyTest/);
    assert.equal(err.message, "gemini: the deployment's credentials may not use this upstream resource (HTTP 403)");
  });

  it("reads the retry delay from RetryInfo, preferring a Retry-After header", () => {
    assert.equal(classifyGoogleError(failure(429, "error-429.json")).detail.retryAfterSeconds, 17);
    const withHeader = classifyGoogleError(failure(429, "error-429.json", { "retry-after": "3" }));
    assert.equal(withHeader.detail.retryAfterSeconds, 3);
  });

  it("reads an error wrapped in an array and falls back to the HTTP status for other bodies", () => {
    const wrapped = { ...failure(429, "error-429.json"), body: `[${fixture(import.meta.url, "error-429.json")}]` };
    assert.equal(classifyGoogleError(wrapped).detail.retryAfterSeconds, 17);
    const html = { ...failure(502, "error-500.json"), body: "<html>Bad Gateway</html>" };
    assert.equal(classifyGoogleError(html).errorClass, ErrorClass.UNAVAILABLE);
  });
});

describe("gemini googleStreamError", () => {
  it("classifies an error frame by its code, or by its status when the code is missing", () => {
    const overloaded = googleStreamError(JSON.parse(fixture(import.meta.url, "error-503.json")), {
      provider: "gemini",
      id: "d",
    });
    assert.equal(overloaded.errorClass, ErrorClass.UNAVAILABLE);
    const quota = googleStreamError(
      { error: { message: "quota", status: "RESOURCE_EXHAUSTED" } },
      { provider: "gemini", id: "d" },
    );
    assert.equal(quota.errorClass, ErrorClass.RATE_LIMITED);
    assert.equal(quota.detail.httpStatus, 429);
  });
});
