import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, load, warningsOf, withParams } from "./spec-helpers.js";

describe("mock provider", () => {
  test("needs no key and keeps its validated params", () => {
    const config = load(
      withParams(
        "model: mock/echo",
        "mock_response: hello",
        "mock_latency_ms: 25",
        "mock_ttft_ms: 5.5",
        "mock_chunks: 4",
        "mock_failure_rate: 0.1",
        "mock_failure_status: 503",
      ),
    );
    assert.deepEqual(config.deployments[0]?.params, {
      mock_response: "hello",
      mock_latency_ms: 25,
      mock_ttft_ms: 5.5,
      mock_chunks: 4,
      mock_failure_rate: 0.1,
      mock_failure_status: 503,
    });
    assert.equal(config.deployments[0]?.apiKey, undefined);
    assert.deepEqual(config.warnings, []);
  });

  test("out-of-range and mistyped params are errors", () => {
    const message = errorOf(
      withParams(
        "model: mock/echo",
        "mock_response: [a]",
        "mock_latency_ms: -1",
        "mock_ttft_ms: 700_000",
        "mock_chunks: 0",
        "mock_failure_rate: 1.5",
        "mock_failure_status: 200",
      ),
    );
    const at = "config: model_list[0].litellm_params";
    assert.equal(
      message,
      [
        `${at}.mock_response: expected a string (the text the mock answers with)`,
        `${at}.mock_latency_ms: expected a number from 0 to 600000, got -1`,
        `${at}.mock_ttft_ms: expected a number from 0 to 600000, got 700000`,
        `${at}.mock_chunks: expected an integer from 1 to 10000, got 0`,
        `${at}.mock_failure_rate: expected a number from 0 to 1, got 1.5`,
        `${at}.mock_failure_status: expected an integer from 400 to 599, got 200`,
      ].join("\n"),
    );
  });

  test("unknown mock params are dropped with a suggestion", () => {
    const config = load(withParams("model: mock/echo", "mock_latncy_ms: 5"));
    assert.deepEqual(config.deployments[0]?.params, {});
    assert.deepEqual(warningsOf(config), [
      'model_list[0].litellm_params.mock_latncy_ms: not a parameter of the mock provider; ignored (did you mean "mock_latency_ms"?)',
    ]);
  });

  test("mock params on another provider are ignored with a warning", () => {
    const config = load(withParams("model: openai/gpt-4o", "mock_response: hi"));
    assert.deepEqual(config.deployments[0]?.params, {});
    assert.deepEqual(warningsOf(config), [
      "model_list[0].litellm_params.mock_response: only the mock provider reads mock_* parameters; ignored",
    ]);
  });
});
