import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { abortError, classOfStatus, parseRetryAfter, upstreamError } from "./errors.js";

const { ErrorClass } = llm;
const dep = { provider: "openai", id: "d/0" } as const;

describe("classOfStatus", () => {
  it("maps statuses to classes", () => {
    const table: [number, llm.ErrorClass][] = [
      [400, ErrorClass.INVALID_REQUEST],
      [401, ErrorClass.AUTH],
      [403, ErrorClass.PERMISSION_DENIED],
      [404, ErrorClass.NOT_FOUND],
      [408, ErrorClass.TIMEOUT],
      [413, ErrorClass.PAYLOAD_TOO_LARGE],
      [429, ErrorClass.RATE_LIMITED],
      [500, ErrorClass.UNAVAILABLE],
      [502, ErrorClass.UNAVAILABLE],
      [504, ErrorClass.TIMEOUT],
      [529, ErrorClass.UNAVAILABLE],
    ];
    for (const [status, cls] of table) assert.equal(classOfStatus(status), cls, String(status));
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it("reads delta-seconds, HTTP dates and retry-after-ms", () => {
    assert.equal(parseRetryAfter({ "retry-after": "7" }, now), 7);
    assert.equal(parseRetryAfter({ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }, now), 30);
    assert.equal(parseRetryAfter({ "retry-after-ms": "1500", "retry-after": "2" }, now), 1.5);
    assert.equal(parseRetryAfter({ "retry-after": "soon" }, now), undefined);
    assert.equal(parseRetryAfter({}, now), undefined);
  });
});

describe("upstreamError", () => {
  const failure = (status: number) => ({ status, headers: {}, body: "{}", provider: "openai", deploymentId: "d/0" });
  const info = { message: "Incorrect API key provided: sk-abc***xyz", type: "t", param: "p", code: "c" };

  it("hides the upstream message, param and code of auth, rate-limit and 5xx errors", () => {
    for (const [status, cls] of [
      [401, ErrorClass.AUTH],
      [429, ErrorClass.RATE_LIMITED],
      [503, ErrorClass.UNAVAILABLE],
    ] as const) {
      const err = upstreamError(failure(status), info, cls);
      assert.ok(!err.message.includes("sk-"), err.message);
      assert.match(err.message, new RegExp(`^openai: .*\\(HTTP ${status}\\)$`));
      assert.equal(err.detail.param, "");
    }
  });

  it("keeps the upstream status for 4xx and the class status for 5xx", () => {
    assert.equal(upstreamError(failure(422), info, ErrorClass.INVALID_REQUEST).detail.httpStatus, 422);
    assert.equal(upstreamError(failure(500), info, ErrorClass.UNAVAILABLE).detail.httpStatus, 503);
  });

  it("passes the message, type, param and code of client errors through", () => {
    const err = upstreamError(
      failure(400),
      { message: "bad", type: "invalid_request_error", param: "n" },
      ErrorClass.INVALID_REQUEST,
    );
    assert.equal(err.message, "bad");
    assert.deepEqual(
      [err.detail.type, err.detail.param, err.detail.code],
      ["invalid_request_error", "n", "invalid_request"],
    );
  });
});

describe("abortError", () => {
  it("tells a deadline from a caller going away", () => {
    assert.equal(abortError(dep, new DOMException("t", "TimeoutError")).errorClass, ErrorClass.TIMEOUT);
    assert.equal(abortError(dep, new DOMException("a", "AbortError")).errorClass, ErrorClass.CANCELLED);
    assert.equal(abortError(dep, undefined).errorClass, ErrorClass.CANCELLED);
  });
});
