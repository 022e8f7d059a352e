import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixture, testDeployment } from "../testkit.js";
import { chatCompletionsUrl, openaiHeaders } from "./api.js";
import { toChatCompletionsRequest } from "./chat-request.js";
import { richRequest } from "./testdata/canonical.js";

const dep = testDeployment("openai", { model: "gpt-4o-2024-08-06" });
const json = (name: string): unknown => JSON.parse(fixture(import.meta.url, name));

describe("openai toChatCompletionsRequest", () => {
  it("produces exactly the recorded body, unmodelled fields passed through", () => {
    assert.deepEqual(toChatCompletionsRequest(richRequest(), dep, false), json("request.json"));
  });

  it("always asks a stream for usage, whatever the client asked", () => {
    assert.deepEqual(toChatCompletionsRequest(richRequest(true, false), dep, true), json("request-stream.json"));
    assert.deepEqual(toChatCompletionsRequest(richRequest(true, true), dep, true), json("request-stream.json"));
  });

  it("never sends stream fields on a non-streamed call", () => {
    const body = toChatCompletionsRequest(richRequest(true, true), dep, false);
    assert.equal(body.stream, undefined);
    assert.equal(body.stream_options, undefined);
  });
});

describe("openai api", () => {
  it("builds the URL from api_base or the public API", () => {
    assert.equal(chatCompletionsUrl({}), "https://api.openai.com/v1/chat/completions");
    assert.equal(chatCompletionsUrl({ apiBase: "http://vllm:8000/v1/" }), "http://vllm:8000/v1/chat/completions");
  });

  it("sends the key as a Bearer token and the organization when set", () => {
    assert.deepEqual(openaiHeaders({ organization: "org-1" }, "sk-x"), {
      authorization: "Bearer sk-x",
      "openai-organization": "org-1",
    });
    assert.deepEqual(openaiHeaders({}, undefined), {});
  });
});
