// The text-generation providers through one real mesh, called with the official OpenAI SDK: Triton (`triton/`, the
// generate extension and KServe v2 embeddings), Predibase (`predibase/`, LoRAX generate with a tenant and a token) and
// Petals (`petals/`, a form-encoded generate whose streams are replayed answers). Every answer and chunk is validated
// against OpenAI's schema; the fakes check each provider's wire format.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk, assertSchema } from "../conformance.js";
import {
  FAKE_PREDIBASE_KEY,
  FAKE_PREDIBASE_TENANT,
  type FakeUpstream,
  generateError,
  PETALS_UNKNOWN_MODEL,
  startFakePetals,
  startFakePredibase,
  startFakeTriton,
} from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

let triton: FakeUpstream;
let predibase: FakeUpstream;
let petals: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  [triton, predibase, petals] = await Promise.all([startFakeTriton(), startFakePredibase(), startFakePetals()]);
  const dir = mkdtempSync(join(tmpdir(), "switchyard-generate-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: trt-llama
    litellm_params: { model: triton/ensemble, api_base: "${triton.url}" }
  - model_name: trt-embed
    litellm_params: { model: triton/bge-small, api_base: "${triton.url}/v2/models/bge-small/infer" }
  - model_name: pb-llama
    litellm_params:
      model: predibase/llama-3-8b-instruct
      api_base: "${predibase.url}"
      api_key: os.environ/E2E_PREDIBASE_KEY
      tenant_id: os.environ/E2E_PREDIBASE_TENANT
      adapter_id: e2e-adapter/1
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
  - model_name: beluga
    litellm_params: { model: petals/petals-team/StableBeluga2, api_base: "${petals.url}/api/v1/generate" }
  - model_name: petals-unknown
    litellm_params: { model: "petals/${PETALS_UNKNOWN_MODEL}", api_base: "${petals.url}/api/v1/generate" }
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
      E2E_PREDIBASE_KEY: FAKE_PREDIBASE_KEY,
      E2E_PREDIBASE_TENANT: FAKE_PREDIBASE_TENANT,
      LOG_LEVEL: "warn",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await Promise.all([triton?.close(), predibase?.close(), petals?.close()]);
});

const ask = (model: string, content: string) => ({ model, messages: [{ role: "user" as const, content }] });

/** Streams a chat, validating every chunk; returns the text, the finish_reason and the usage. */
async function streamed(model: string, content: string) {
  const stream = await client.chat.completions.create({
    ...ask(model, content),
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    assertChatCompletionChunk(chunk);
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { text, finish, usage };
}

describe("Triton Inference Server models answer in OpenAI's format", () => {
  it("sends the rendered prompt to /v2/models/<model>/generate, estimates usage, and costs nothing (self-hosted)", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: "trt-llama",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        max_tokens: 50,
        temperature: 0.2,
      })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake triton upstream\. You said: Be brief\. Hi/);
    assert.equal(completion.model, "ensemble");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.equal(response.headers.get("x-switchyard-response-cost"), "0");
    const sent = triton.requests.at(-1)!;
    assert.equal(sent.path, "/v2/models/ensemble/generate");
    assert.deepEqual(sent.body, {
      text_input: "Be brief. Hi",
      parameters: { max_tokens: 50, bad_words: [""], stop_words: [""], temperature: 0.2 },
      stream: false,
    });
  });

  it("streams generate_stream as OpenAI chunks with usage last", async () => {
    const { text, finish, usage } = await streamed("trt-llama", "Tell me something");
    assert.match(text, /You said: Tell me something/);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.equal(triton.requests.at(-1)!.path, "/v2/models/ensemble/generate_stream");
  });

  it("embeds through KServe v2 /infer", async () => {
    const res = await client.embeddings.create({ model: "trt-embed", input: ["hello", "world!"] });
    assertSchema("CreateEmbeddingResponse", JSON.parse(JSON.stringify(res)));
    assert.equal(res.data.length, 2);
    assert.equal(res.data[1]?.embedding.length, 4);
    assert.deepEqual(triton.requests.at(-1)!.body, {
      inputs: [{ name: "input_text", shape: [2], datatype: "BYTES", data: ["hello", "world!"] }],
    });
  });

  it("maps Triton's errors, and refuses tools with a 400 naming the provider", async () => {
    triton.script(generateError(400, "Prompt length (5000) exceeds maximum input length (4096)"));
    await assert.rejects(
      client.chat.completions.create(ask("trt-llama", "hi")),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
    const sent = triton.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        ...ask("trt-llama", "hi"),
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && /triton does not support parameter "tools"/.test(err.message),
    );
    assert.equal(triton.requests.length, sent);
  });
});

describe("Predibase deployments answer in OpenAI's format", () => {
  it("calls the tenant's deployment with the token and adapter, with usage and cost from LoRAX's details", async () => {
    const { data: completion, response } = await client.chat.completions
      .create(ask("pb-llama", "Hello"))
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake predibase upstream\. You said: Hello/);
    const sent = predibase.requests.at(-1)!;
    assert.equal(sent.path, `/${FAKE_PREDIBASE_TENANT}/deployments/v2/llms/llama-3-8b-instruct/generate`);
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_PREDIBASE_KEY}`);
    assert.deepEqual(sent.body, {
      inputs: "Hello",
      parameters: { details: true, max_new_tokens: 4096, return_full_text: false, adapter_id: "e2e-adapter/1" },
    });
    const usage = completion.usage!;
    assert.equal(usage.prompt_tokens, 2, "prompt_tokens from details (the fake counts ceil(chars / 4))");
    const cost = (usage.prompt_tokens * 1 + usage.completion_tokens * 2) / 1e6;
    assert.ok(Math.abs(Number(response.headers.get("x-switchyard-response-cost")) - cost) < 1e-9);
  });

  it("streams generate_stream as OpenAI chunks with details' usage last", async () => {
    const { text, finish, usage } = await streamed("pb-llama", "Stream please");
    assert.match(text, /You said: Stream please$/);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.prompt_tokens === 4 && usage.completion_tokens > 0);
    assert.ok(predibase.requests.at(-1)!.path.endsWith("/generate_stream"));
  });

  it("maps LoRAX's overloaded error to 429", async () => {
    predibase.script(generateError(429, "Model is overloaded", "overloaded"));
    await assert.rejects(
      client.chat.completions.create(ask("pb-llama", "hi")),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
  });
});

describe("Petals models answer in OpenAI's format", () => {
  it("POSTs a form to the generate endpoint and estimates usage", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ ...ask("beluga", "Once upon a time"), max_tokens: 20 })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake petals upstream\. You said: Once upon a time/);
    assert.equal(completion.model, "petals-team/StableBeluga2");
    assert.ok(completion.usage && completion.usage.completion_tokens > 0);
    assert.equal(response.headers.get("x-switchyard-response-cost"), "0");
    const sent = petals.requests.at(-1)!;
    assert.equal(sent.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.rawBody)), {
      model: "petals-team/StableBeluga2",
      inputs: "Once upon a time",
      max_new_tokens: "20",
    });
  });

  it("replays the whole answer as a stream", async () => {
    const { text, finish, usage } = await streamed("beluga", "Stream it");
    assert.match(text, /fake petals upstream\. You said: Stream it$/);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it("maps a KeyError traceback (an unknown model) to 404 without the traceback", async () => {
    await assert.rejects(client.chat.completions.create(ask("petals-unknown", "hi")), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError, String(err));
      assert.ok(!err.message.includes("Traceback") && !err.message.includes("http_api.py"), err.message);
      return true;
    });
  });
});
