import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Deployment, ProviderId } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { createLogger } from "@switchyard/runtime";
import { createTargets } from "../../deployments.js";
import { chatCompletionsUrl } from "../openai/api.js";
import {
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { compatibleAdapters, compatibleAliases } from "./index.js";

const KEY = "sk-compatible-test-key-0123456789";
const ALL = { ...compatibleAdapters, ...compatibleAliases };
/** The recorded OpenAI fixtures (openai/testdata): every compatible provider speaks the same wire format. */
const openaiFixture = (name: string) => fixture(new URL("../openai/adapter.spec.js", import.meta.url).href, name);

const request = (over: { stream?: boolean; extraJson?: string } = {}) =>
  create(llm.ChatCompletionRequestSchema, {
    model: "group",
    messages: [{ role: llm.Role.USER, content: { case: "text", value: "Hello" } }],
    ...over,
  });

describe("OpenAI-compatible providers", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (id: string, params: Record<string, unknown> = {}) =>
    testContext(
      testDeployment(id as ProviderId, { model: "upstream-model", apiBase: `${upstream.url}/v1`, params }),
      dispatcher,
      { apiKey: KEY },
    );

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("every entry names the provider, its API reference and at least chat and streaming", () => {
    for (const [id, adapter] of Object.entries(ALL)) {
      assert.ok(adapter.info.name, id);
      assert.match(adapter.info.docs, /^https:\/\//, id);
      assert.ok(adapter.info.capabilities.includes("chat") && adapter.info.capabilities.includes("stream"), id);
      assert.ok(Object.isFrozen(adapter), id);
    }
  });

  it("each provider's public base URL leads to its chat completions path", () => {
    const expected: Record<string, string> = {
      groq: "https://api.groq.com/openai/v1/chat/completions",
      mistral: "https://api.mistral.ai/v1/chat/completions",
      fireworks_ai: "https://api.fireworks.ai/inference/v1/chat/completions",
      perplexity: "https://api.perplexity.ai/chat/completions",
      deepinfra: "https://api.deepinfra.com/v1/openai/chat/completions",
      volcengine: "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
      openrouter: "https://openrouter.ai/api/v1/chat/completions",
      together_ai: "https://api.together.xyz/v1/chat/completions",
      ai21: "https://api.ai21.com/studio/v1/chat/completions",
    };
    // The same composition the adapter uses, with the entry's own base URL (checked through a real call below).
    for (const [id, url] of Object.entries(expected)) {
      const base = url.replace(/\/chat\/completions$/, "");
      assert.equal(chatCompletionsUrl({}, base), url, id);
    }
  });

  it("every provider POSTs OpenAI's body to {api_base}/chat/completions with a Bearer key, and parses the answer", async () => {
    for (const [id, adapter] of Object.entries(ALL)) {
      upstream.handle((_req, res) =>
        res.writeHead(200, { "content-type": "application/json" }).end(openaiFixture("response.json")),
      );
      const out = await adapter.chat(request(), ctx(id));
      const seen = upstream.seen.at(-1)!;
      assert.equal(seen.url, "/v1/chat/completions", id);
      assert.equal(seen.headers.authorization, `Bearer ${KEY}`, id);
      const body = JSON.parse(seen.body) as Record<string, unknown>;
      assert.equal(body.model, "upstream-model", id);
      assert.deepEqual(body.messages, [{ role: "user", content: "Hello" }], id);
      assert.equal(body.stream, undefined, id);
      assert.ok(out.choices.length > 0 && out.usage, id);
    }
  });

  it("streams OpenAI chunks and always asks for usage", async () => {
    for (const id of ["groq", "deepseek", "hosted_vllm", "openrouter"] as const) {
      upstream.handle((_req, res) =>
        res.writeHead(200, { "content-type": "text/event-stream" }).end(openaiFixture("stream.sse")),
      );
      const chunks = await collect(ALL[id].streamChat(request({ stream: true }), ctx(id)));
      const body = JSON.parse(upstream.seen.at(-1)!.body) as Record<string, unknown>;
      assert.equal(body.stream, true, id);
      assert.deepEqual(body.stream_options, { include_usage: true }, id);
      assert.ok(chunks.length > 1, id);
      assert.ok(chunks.at(-1)?.usage, `${id}: the usage chunk comes last`);
    }
  });

  it("refuses a field the provider rejects with a 400 naming both, or drops it under drop_params", async () => {
    // Unmodelled OpenAI fields travel in extra_json, as the ingress parses them.
    const withLogprobs = request({ extraJson: '{"logprobs":true}' });
    await assert.rejects(
      compatibleAdapters.groq.chat(withLogprobs, ctx("groq")),
      (err: Error & { detail?: { param?: string } }) => {
        isErrorClass(llm.ErrorClass.INVALID_REQUEST, KEY)(err);
        assert.match(err.message, /groq does not support parameter "logprobs"/);
        assert.equal(err.detail?.param, "logprobs");
        return true;
      },
    );
    const before = upstream.seen.length;
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(openaiFixture("response.json")),
    );
    await compatibleAdapters.groq.chat(withLogprobs, ctx("groq", { drop_params: true }));
    assert.equal(upstream.seen.length, before + 1);
    assert.equal((JSON.parse(upstream.seen.at(-1)!.body) as Record<string, unknown>).logprobs, undefined);
    // Another provider takes the same field as it is.
    await compatibleAdapters.deepseek.chat(withLogprobs, ctx("deepseek"));
    assert.equal((JSON.parse(upstream.seen.at(-1)!.body) as Record<string, unknown>).logprobs, true);
  });

  it("maps the provider's errors like OpenAI's", async () => {
    upstream.handle((_req, res) =>
      res
        .writeHead(429, { "content-type": "application/json", "retry-after": "2" })
        .end(openaiFixture("error-429.json")),
    );
    await assert.rejects(
      compatibleAdapters.mistral.chat(request(), ctx("mistral")),
      isErrorClass(llm.ErrorClass.RATE_LIMITED, KEY),
    );
  });

  it("refuses to call a self-hosted provider without an api_base", async () => {
    const dep: Deployment = testDeployment("hosted_vllm" as ProviderId, { model: "m" });
    await assert.rejects(
      compatibleAdapters.hosted_vllm.chat(request(), testContext(dep, dispatcher)),
      /needs an api_base/,
    );
  });

  it("reads the provider's key and base URL from LiteLLM's environment variables when the config sets none", () => {
    const log = createLogger("compatible-spec", "silent");
    const dep = testDeployment("groq" as ProviderId, { id: "g/0", model: "llama" });
    const vllm = testDeployment("hosted_vllm" as ProviderId, { id: "v/0", model: "m" });
    const targets = createTargets([dep, vllm], log, {
      GROQ_API_KEY: "gsk-from-env",
      HOSTED_VLLM_API_BASE: "http://vllm.internal:8000/v1",
    });
    assert.equal(targets.get("g/0").apiKey, "gsk-from-env");
    assert.equal(targets.get("v/0").deployment.apiBase, "http://vllm.internal:8000/v1");
    assert.equal(targets.get("v/0").apiKey, undefined, "vLLM needs no key");
  });
});
