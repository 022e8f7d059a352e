// Replicate (`replicate/`) through the real mesh, called with the official OpenAI SDK: predictions created in sync mode,
// one that needs polling, a streamed one read from `urls.stream` with its usage from the finished prediction's metrics,
// and Replicate's errors. Every answer and chunk is validated against OpenAI's schema; the fake checks the token and
// the input.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk, readChatStream } from "../conformance.js";
import { FAKE_REPLICATE_KEY, type FakeReplicate, replicateProblem, startFakeReplicate } from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const VERSION = "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3";

let fake: FakeReplicate;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeReplicate();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-replicate-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: llama-8b
    litellm_params: { model: replicate/meta/meta-llama-3-8b-instruct, api_base: "${fake.url}/v1", api_key: os.environ/E2E_REPLICATE_KEY }
  - model_name: llama-slow
    litellm_params: { model: "replicate/meta/slow-llama:${VERSION}" }
  - model_name: llama-limited
    litellm_params: { model: replicate/meta/meta-llama-3-8b-instruct, api_base: "${fake.url}/v1", api_key: os.environ/E2E_REPLICATE_KEY }
  - model_name: llama-unpaid
    litellm_params: { model: replicate/meta/meta-llama-3-8b-instruct, api_base: "${fake.url}/v1", api_key: os.environ/E2E_REPLICATE_KEY }
  - model_name: unsafe
    litellm_params: { model: replicate/acme/nsfw-llama, api_base: "${fake.url}/v1", api_key: os.environ/E2E_REPLICATE_KEY }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: {
      SWITCHYARD_MASTER_KEY: MASTER_KEY,
      E2E_REPLICATE_KEY: FAKE_REPLICATE_KEY,
      // llama-slow sets neither api_key nor api_base: read as LiteLLM reads them.
      REPLICATE_API_TOKEN: FAKE_REPLICATE_KEY,
      REPLICATE_API_BASE: `${fake.url}/v1`,
      LOG_LEVEL: "warn",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

const cost = (response: Response) => Number(response.headers.get("x-switchyard-response-cost"));

describe("a Replicate-backed model answers in OpenAI's format", () => {
  it("creates the prediction in sync mode, reads its output and metrics, and prices Llama 3 8B", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: "llama-8b",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.3,
        max_tokens: 200,
      })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake replicate upstream\. You said: Hi$/);
    assert.equal(completion.model, "meta/meta-llama-3-8b-instruct");
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(cost(response) > 0, "the catalog prices meta-llama-3-8b-instruct per token");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/v1/models/meta/meta-llama-3-8b-instruct/predictions");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_REPLICATE_KEY}`);
    assert.equal(sent.headers.prefer, "wait");
    assert.deepEqual(sent.body, {
      input: { prompt: "Hi", system_prompt: "Be brief.", temperature: 0.3, max_new_tokens: 200 },
    });
  });

  it("polls a versioned prediction that sync mode left running, with the key and base from the environment", async () => {
    const before = fake.requests.length;
    const { data: completion, response } = await client.chat.completions
      .create({ model: "llama-slow", messages: [{ role: "user", content: "Take your time" }] })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /You said: Take your time$/);
    const calls = fake.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/fakepred\w+/, "{id}")}`);
    assert.deepEqual(calls, ["POST /v1/predictions", "GET /v1/predictions/{id}", "GET /v1/predictions/{id}"]);
    assert.equal((fake.requests[before]!.body as { version?: string }).version, VERSION);
    assert.equal(cost(response), 0, "versions bill compute time: unpriced");
  });

  it("streams urls.stream as OpenAI chunks with the prediction's token counts last", async () => {
    const before = fake.requests.length;
    const stream = await client.chat.completions.create({
      model: "llama-8b",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Tell me something" }],
    });
    const { text, finish, usage } = await readChatStream(stream);
    assert.equal(text, "Hello from the fake replicate upstream. You said: Tell me something");
    assert.equal(finish, "stop");
    assert.equal(usage?.completion_tokens, Math.ceil(text.length / 4), "the fake's output_token_count");
    const calls = fake.requests.slice(before);
    assert.equal((calls[0]!.body as { stream?: boolean }).stream, true);
    assert.equal(calls[0]?.headers.prefer, undefined);
    assert.match(calls[1]?.path ?? "", /^\/v1\/streams\/fakepred/);
    assert.equal(calls[1]?.headers.accept, "text/event-stream");
  });

  it("maps Replicate's errors: 429 with Retry-After, 402, an NSFW prediction, and refused tools", async () => {
    fake.script({
      ...replicateProblem(429, "Request was throttled.", "Expected available in 3 seconds."),
      headers: { "retry-after": "3" },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "llama-limited", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.headers?.get("retry-after") === "3",
    );
    fake.script(replicateProblem(402, "Insufficient credit", "You have insufficient credit to run this model."));
    await assert.rejects(
      client.chat.completions.create({ model: "llama-unpaid", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 402,
    );
    await assert.rejects(
      client.chat.completions.create({ model: "unsafe", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && err.code === "content_policy_violation" && /NSFW/.test(err.message),
    );
    const unsafe = client.chat.completions.create({
      model: "unsafe",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    await assert.rejects(
      (async () => {
        for await (const chunk of await unsafe) assertChatCompletionChunk(chunk);
      })(),
      (err: unknown) => err instanceof OpenAI.APIError && /NSFW/.test(err.message),
    );
    const before = fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: "llama-8b",
        messages: [{ role: "user", content: "hi" }],
        tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && /replicate does not support parameter "tools"/.test(err.message),
    );
    assert.equal(fake.requests.length, before, "refused before any call");
  });
});
