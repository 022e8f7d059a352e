import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { fixture } from "../testkit.js";
import { bedrockStreamError, classifyBedrockError } from "./errors.js";

const { ErrorClass } = llm;
const dep = { provider: "bedrock", id: "d/0" } as const;

/** Classifies error-<status>-<type>[-suffix].json with the type in the x-amzn-ErrorType header, as Bedrock sends it. */
function classify(name: string, headers?: Record<string, string>) {
  const [, status, type] = /^error-(\d+)-([A-Za-z]+)/.exec(name) ?? [];
  const body = fixture(import.meta.url, name);
  return classifyBedrockError({
    status: Number(status),
    headers: headers ?? { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
    body,
    provider: "bedrock",
    deploymentId: "d/0",
  });
}

describe("classifyBedrockError", () => {
  it("classifies the recorded error bodies by their x-amzn-ErrorType", () => {
    const table: [string, llm.ErrorClass, number][] = [
      ["error-429-ThrottlingException.json", ErrorClass.RATE_LIMITED, 429],
      ["error-400-ServiceQuotaExceededException.json", ErrorClass.RATE_LIMITED, 429],
      ["error-400-ValidationException-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED, 400],
      ["error-400-ValidationException.json", ErrorClass.INVALID_REQUEST, 400],
      ["error-403-AccessDeniedException.json", ErrorClass.AUTH, 403],
      ["error-403-UnrecognizedClientException.json", ErrorClass.AUTH, 403],
      ["error-404-ResourceNotFoundException.json", ErrorClass.NOT_FOUND, 404],
      ["error-408-ModelTimeoutException.json", ErrorClass.TIMEOUT, 408],
      ["error-429-ModelNotReadyException.json", ErrorClass.UNAVAILABLE, 429],
      ["error-500-InternalServerException.json", ErrorClass.UNAVAILABLE, 0],
      ["error-503-ServiceUnavailableException.json", ErrorClass.UNAVAILABLE, 0],
    ];
    for (const [name, cls, status] of table) {
      const err = classify(name);
      assert.equal(err.errorClass, cls, name);
      if (status) assert.equal(err.detail.httpStatus, status, name);
    }
  });

  it("keeps the message of client errors, with OpenAI's code for context overflow", () => {
    const context = classify("error-400-ValidationException-context.json");
    assert.equal(context.detail.code, "context_length_exceeded");
    assert.match(context.message, /Input is too long for requested model/);
    assert.match(classify("error-400-ValidationException.json").message, /model identifier is invalid/);
  });

  it("hides the upstream message of auth and rate-limit errors", () => {
    assert.doesNotMatch(classify("error-403-UnrecognizedClientException.json").message, /security token/);
    assert.match(classify("error-429-ThrottlingException.json").message, /^bedrock: .*rate limiting/);
  });

  it("reads the type from the body's __type when the header is missing", () => {
    const err = classifyBedrockError({
      status: 400,
      headers: {},
      body: '{"__type":"com.amazon.coral.validate#ValidationException","message":"Input is too long for requested model."}',
      provider: "bedrock",
      deploymentId: "d/0",
    });
    assert.equal(err.errorClass, ErrorClass.CONTEXT_WINDOW_EXCEEDED);
  });

  it("classifies a model's content filter as CONTENT_POLICY", () => {
    const err = classifyBedrockError({
      status: 400,
      headers: { "x-amzn-errortype": "ValidationException" },
      body: '{"message":"Output blocked by content filtering policy"}',
      provider: "bedrock",
      deploymentId: "d/0",
    });
    assert.equal(err.errorClass, ErrorClass.CONTENT_POLICY);
  });

  it("classifies stream exceptions by their lowerCamelCase type", () => {
    const table: [string, llm.ErrorClass][] = [
      ["throttlingException", ErrorClass.RATE_LIMITED],
      ["validationException", ErrorClass.INVALID_REQUEST],
      ["modelStreamErrorException", ErrorClass.UNAVAILABLE],
      ["internalServerException", ErrorClass.UNAVAILABLE],
      ["serviceUnavailableException", ErrorClass.UNAVAILABLE],
      ["modelTimeoutException", ErrorClass.TIMEOUT],
    ];
    for (const [type, cls] of table) {
      assert.equal(bedrockStreamError(type, '{"message":"x"}', dep).errorClass, cls, type);
    }
    assert.equal(bedrockStreamError("validationException", "not json", dep).errorClass, ErrorClass.INVALID_REQUEST);
  });
});
