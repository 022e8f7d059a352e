import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { compatibleAdapters } from "../openai-compatible/index.js";
import {
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
  writeSlowly,
} from "../testkit.js";
import { openaiAdapter } from "./index.js";

const KEY = "sk-test-openai-key-0123456789";

describe("openai legacy completions over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs OpenAI's completions body to /v1/completions and reads every choice", async () => {
    upstream.handle((_req, res) =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(fixture(import.meta.url, "completions-response.json")),
    );
    const dep = testDeployment("openai", { model: "gpt-3.5-turbo-instruct", apiBase: `${upstream.url}/v1` });
    const request = create(llm.CompletionRequestSchema, {
      model: "instruct",
      prompts: ["Say this is a test"],
      maxTokens: 7,
      temperature: 0,
      n: 2,
      stop: ["\n"],
      logprobs: 1,
      echo: true,
      suffix: "!",
      seed: 42n,
      user: "u-1",
      extraJson: '{"best_of":3,"presence_penalty":0.5}',
    });
    const out = await openaiAdapter.complete!(request, testContext(dep, dispatcher, { apiKey: KEY }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/completions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), {
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say this is a test",
      suffix: "!",
      max_tokens: 7,
      temperature: 0,
      n: 2,
      stop: ["\n"],
      echo: true,
      logprobs: 1,
      seed: 42,
      user: "u-1",
      best_of: 3,
      presence_penalty: 0.5,
    });
    assert.equal(out.choices.length, 2);
    assert.equal(out.choices[0]?.finishReason, "length");
    assert.match(out.choices[1]?.logprobsJson ?? "", /token_logprobs/);
    assert.equal(out.usage?.completionTokens, 14);
    assert.equal(out.systemFingerprint, "fp_44709d6fcb");
  });

  it("is served by compatible providers flagged for it, and not by the others", async () => {
    assert.equal(typeof compatibleAdapters.together_ai.complete, "function");
    assert.ok(compatibleAdapters.hosted_vllm.info.capabilities.includes("completions"));
    assert.equal(compatibleAdapters.groq.complete, undefined);
    upstream.handle((_req, res) =>
      res
        .writeHead(429, { "content-type": "application/json" })
        .end('{"error":{"message":"slow down","type":"requests"}}'),
    );
    const dep = testDeployment("hosted_vllm", { model: "Qwen/Qwen2.5-Coder", apiBase: `${upstream.url}/v1` });
    const request = create(llm.CompletionRequestSchema, { model: "q", tokenPrompts: [{ ids: [1, 2, 3] }] });
    await assert.rejects(
      compatibleAdapters.hosted_vllm.complete!(request, testContext(dep, dispatcher, { apiKey: KEY })),
      isErrorClass(llm.ErrorClass.RATE_LIMITED, KEY),
    );
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body).prompt, [1, 2, 3]);
  });

  it("streams text_completion chunks split anywhere, keep-alives skipped, usage always asked for and yielded last", async () => {
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      await writeSlowly(res, fixture(import.meta.url, "completions-stream.sse"));
      res.end();
    });
    const dep = testDeployment("openai", { model: "gpt-3.5-turbo-instruct", apiBase: `${upstream.url}/v1` });
    const request = create(llm.CompletionRequestSchema, {
      model: "instruct",
      prompts: ["Say this is a test"],
      maxTokens: 7,
      stream: true,
      extraJson: '{"stream_options":{"include_obfuscation":false}}',
    });
    const chunks = await collect(openaiAdapter.streamComplete!(request, testContext(dep, dispatcher, { apiKey: KEY })));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/completions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), {
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say this is a test",
      max_tokens: 7,
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
    });
    assert.equal(chunks.map((c) => c.choices.map((x) => x.text).join("")).join(""), "\n\nThis is a test");
    assert.deepEqual(
      chunks.map((c) => c.choices[0]?.finishReason ?? "-"),
      ["", "", "", "length", "-"],
    );
    const last = chunks.at(-1)!;
    assert.equal(last.choices.length, 0);
    assert.deepEqual([last.usage?.promptTokens, last.usage?.completionTokens, last.usage?.totalTokens], [5, 7, 12]);
  });

  it("streams even a request not flagged stream, and fails a stream cut before [DONE] or an error frame", async () => {
    const dep = testDeployment("openai", { model: "gpt-3.5-turbo-instruct", apiBase: `${upstream.url}/v1` });
    const request = create(llm.CompletionRequestSchema, { model: "instruct", prompts: ["x"] });
    const ctx = testContext(dep, dispatcher, { apiKey: KEY });
    const cut = fixture(import.meta.url, "completions-stream.sse")
      .split("\n\n")
      .slice(0, 2)
      .join("\n\n");
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end(`${cut}\n\n`));
    await assert.rejects(
      collect(openaiAdapter.streamComplete!(request, ctx)),
      isErrorClass(llm.ErrorClass.UNAVAILABLE),
    );
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).stream, true);
    upstream.handle((_req, res) =>
      res
        .writeHead(200, { "content-type": "text/event-stream" })
        .end(`${cut}\n\ndata: {"error":{"message":"The server had an error","type":"server_error"}}\n\n`),
    );
    await assert.rejects(
      collect(openaiAdapter.streamComplete!(request, ctx)),
      isErrorClass(llm.ErrorClass.UNAVAILABLE),
    );
    upstream.handle((_req, res) =>
      res
        .writeHead(429, { "content-type": "application/json" })
        .end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'),
    );
    await assert.rejects(
      collect(openaiAdapter.streamComplete!(request, ctx)),
      isErrorClass(llm.ErrorClass.RATE_LIMITED, KEY),
    );
    assert.equal(compatibleAdapters.groq.streamComplete, undefined);
    assert.equal(typeof compatibleAdapters.together_ai.streamComplete, "function");
  });
});
