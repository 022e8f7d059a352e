// NLP Cloud (`nlp_cloud/`), Aleph Alpha (`aleph_alpha/`) and Snowflake Cortex (`snowflake/`) through one real mesh,
// called with the official OpenAI SDK: every answer and chunk is validated against OpenAI's schema, the fakes check
// each provider's auth scheme and body, and the cost header shows the catalog (NLP Cloud's Dolphin is priced, Aleph
// Alpha and Cortex are not).

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import {
  assertChatCompletion,
  assertChatCompletionChunk,
  assertCompletionChunk,
  assertSchema,
} from "../conformance.js";
import {
  alephAlphaError,
  FAKE_ALEPH_ALPHA_KEY,
  FAKE_NLP_CLOUD_KEY,
  FAKE_SNOWFLAKE_JWT,
  FAKE_SNOWFLAKE_PAT,
  type FakeUpstream,
  nlpCloudError,
  snowflakeError,
  startFakeAlephAlpha,
  startFakeNlpCloud,
  startFakeSnowflake,
} from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let nlp: FakeUpstream;
let aleph: FakeUpstream;
let snow: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  [nlp, aleph, snow] = await Promise.all([
    startFakeNlpCloud(),
    startFakeAlephAlpha(),
    startFakeSnowflake({ publicKey, subject: "XY12345.ALICE" }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "switchyard-text-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: dolphin
    litellm_params: { model: nlp_cloud/chatdolphin, api_base: "${nlp.url}/v1/gpu/", api_key: os.environ/E2E_NLP_KEY }
  - model_name: nlp-embed
    litellm_params: { model: nlp_cloud/paraphrase-multilingual-mpnet-base-v2, api_base: "${nlp.url}/v1/", api_key: os.environ/E2E_NLP_KEY }
  - model_name: luminous
    litellm_params: { model: aleph_alpha/luminous-base-control, api_base: "${aleph.url}/complete", api_key: os.environ/E2E_ALEPH_KEY }
  - model_name: luminous-embed
    litellm_params: { model: aleph_alpha/luminous-base, api_base: "${aleph.url}", api_key: os.environ/E2E_ALEPH_KEY }
  - model_name: cortex
    litellm_params: { model: snowflake/claude-3-5-sonnet, api_base: "${snow.url}", api_key: os.environ/E2E_SNOWFLAKE_JWT }
  - model_name: cortex-pat
    litellm_params: { model: snowflake/llama3.1-70b, api_base: "${snow.url}", api_key: os.environ/E2E_SNOWFLAKE_PAT }
  - model_name: cortex-keypair
    litellm_params:
      model: snowflake/mistral-large2
      api_base: "${snow.url}"
      private_key: os.environ/E2E_SNOWFLAKE_PRIVATE_KEY
      account_id: xy12345.us-east-1
      snowflake_user: alice
  - model_name: cortex-embed
    litellm_params: { model: snowflake/snowflake-arctic-embed-m-v1.5, api_base: "${snow.url}", api_key: os.environ/E2E_SNOWFLAKE_JWT }
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
      E2E_NLP_KEY: FAKE_NLP_CLOUD_KEY,
      E2E_ALEPH_KEY: FAKE_ALEPH_ALPHA_KEY,
      E2E_SNOWFLAKE_JWT: FAKE_SNOWFLAKE_JWT,
      E2E_SNOWFLAKE_PAT: `pat/${FAKE_SNOWFLAKE_PAT}`,
      E2E_SNOWFLAKE_PRIVATE_KEY: privateKey,
      LOG_LEVEL: "warn",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await Promise.all([nlp?.close(), aleph?.close(), snow?.close()]);
});

/** Streams a chat, validating every chunk, and returns its text, tool-call name, finish_reason and usage. */
async function streamed(request: OpenAI.ChatCompletionCreateParamsNonStreaming) {
  const stream = await client.chat.completions.create({
    ...request,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let tool = "";
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    assertChatCompletionChunk(chunk);
    text += chunk.choices[0]?.delta.content ?? "";
    tool += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { text, tool, finish, usage };
}

const hi = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "Hi" },
];

describe("an NLP Cloud-backed model answers in OpenAI's format", () => {
  it("sends the joined prompt to /generation with Token auth, and prices chatdolphin", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "dolphin", messages: hi, max_tokens: 50 })
      .withResponse();
    assertChatCompletion(data);
    assert.match(data.choices[0]?.message.content ?? "", /fake nlp_cloud upstream\. You said: Be brief\. Hi/);
    assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "the catalog prices chatdolphin");
    const sent = nlp.requests.at(-1)!;
    assert.equal(sent.path, "/v1/gpu/chatdolphin/generation");
    assert.equal(sent.headers.authorization, `Token ${FAKE_NLP_CLOUD_KEY}`);
    assert.deepEqual(sent.body, { text: "Be brief. Hi", max_length: 50, length_no_input: true });
  });

  it("streams the plain-text generation as chunks with an estimated usage last, and embeds", async () => {
    const out = await streamed({ model: "dolphin", messages: [{ role: "user", content: "Tell me something" }] });
    assert.match(out.text, /You said: Tell me something/);
    assert.equal(out.finish, "stop");
    assert.ok(out.usage && out.usage.prompt_tokens > 0 && out.usage.completion_tokens > 0);
    assert.equal((nlp.requests.at(-1)!.body as { stream?: boolean }).stream, true);
    const { data, response } = await client.embeddings
      .create({ model: "nlp-embed", input: ["a cat", "a dog"] })
      .withResponse();
    assertSchema("CreateEmbeddingResponse", data);
    assert.equal(data.data.length, 2);
    assert.equal(nlp.requests.at(-1)!.path, "/v1/paraphrase-multilingual-mpnet-base-v2/embeddings");
    assert.equal(response.headers.get("x-switchyard-response-cost"), "0");
  });

  it("maps NLP Cloud's errors onto OpenAI statuses", async () => {
    nlp.script(nlpCloudError(429, "Too many requests"));
    await assert.rejects(
      client.chat.completions.create({ model: "dolphin", messages: hi }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
  });
});

describe("an Aleph Alpha-backed model answers in OpenAI's format", () => {
  it("renders a control model's prompt for /complete, streamed and not", async () => {
    const { data, response } = await client.chat.completions.create({ model: "luminous", messages: hi }).withResponse();
    assertChatCompletion(data);
    assert.match(data.choices[0]?.message.content ?? "", /fake aleph_alpha upstream/);
    assert.equal(data.usage?.prompt_tokens, Math.ceil("###Instruction: Be brief.###Input: Hi".length / 4));
    assert.equal(response.headers.get("x-switchyard-response-cost"), "0", "Aleph Alpha publishes no list price");
    const sent = aleph.requests.at(-1)!;
    assert.equal(sent.path, "/complete");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_ALEPH_ALPHA_KEY}`);
    assert.deepEqual(sent.body, { model: "luminous-base-control", prompt: "###Instruction: Be brief.###Input: Hi" });
    const out = await streamed({ model: "luminous", messages: hi, max_tokens: 20 });
    assert.match(out.text, /fake aleph_alpha upstream/);
    assert.equal(out.finish, "stop");
    assert.ok(out.usage && out.usage.completion_tokens > 0);
  });

  it("serves legacy completions, streamed and not, and semantic embeddings", async () => {
    const completion = await client.completions.create({ model: "luminous", prompt: "An apple a day", max_tokens: 8 });
    assertSchema("CreateCompletionResponse", completion);
    assert.match(completion.choices[0]?.text ?? "", /You said: An apple a day/);
    assert.deepEqual(aleph.requests.at(-1)!.body, {
      model: "luminous-base-control",
      prompt: "An apple a day",
      maximum_tokens: 8,
    });

    // Streamed: the /complete stream as text_completion chunks, the usage last when asked for.
    const stream = await client.completions.create({
      model: "luminous",
      prompt: "An apple a day",
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      assertCompletionChunk(chunk);
      text += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.match(text, /You said: An apple a day/);
    assert.equal(finish, "stop");
    assert.ok((usage?.prompt_tokens ?? 0) > 0 && (usage?.completion_tokens ?? 0) > 0, JSON.stringify(usage));
    assert.deepEqual(aleph.requests.at(-1)!.body, {
      model: "luminous-base-control",
      prompt: "An apple a day",
      maximum_tokens: 8,
      stream: true,
    });

    const embeddings = await client.embeddings.create({ model: "luminous-embed", input: ["a cat"] });
    assertSchema("CreateEmbeddingResponse", embeddings);
    assert.equal(aleph.requests.at(-1)!.path, "/batch_semantic_embed");
    assert.ok((embeddings.usage?.prompt_tokens ?? 0) > 0);
  });

  it("maps an over-long prompt to context_length_exceeded", async () => {
    aleph.script(alephAlphaError(400, "PROMPT_TOO_LONG", "This is longer than the model's maximum context length"));
    await assert.rejects(
      client.chat.completions.create({ model: "luminous", messages: hi }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
  });
});

describe("a Snowflake Cortex-backed model answers in OpenAI's format", () => {
  it("calls inference:complete with a ready JWT, a PAT, or a key-pair JWT the worker signs", async () => {
    const { data, response } = await client.chat.completions.create({ model: "cortex", messages: hi }).withResponse();
    assertChatCompletion(data);
    assert.match(data.choices[0]?.message.content ?? "", /fake snowflake upstream\. You said: Hi/);
    assert.equal(response.headers.get("x-switchyard-response-cost"), "0", "Cortex bills credits: unpriced");
    let sent = snow.requests.at(-1)!;
    assert.equal(sent.path, "/api/v2/cortex/inference:complete");
    assert.equal(sent.headers["x-snowflake-authorization-token-type"], "KEYPAIR_JWT");
    assert.deepEqual(sent.body, { model: "claude-3-5-sonnet", messages: hi, stream: false });
    assertChatCompletion(await client.chat.completions.create({ model: "cortex-pat", messages: hi }));
    sent = snow.requests.at(-1)!;
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_SNOWFLAKE_PAT}`);
    assert.equal(sent.headers["x-snowflake-authorization-token-type"], "PROGRAMMATIC_ACCESS_TOKEN");
    assertChatCompletion(await client.chat.completions.create({ model: "cortex-keypair", messages: hi }));
    assert.notEqual(snow.requests.at(-1)!.headers.authorization, `Bearer ${FAKE_SNOWFLAKE_JWT}`);
  });

  it("streams SSE events as OpenAI chunks with usage last", async () => {
    const out = await streamed({ model: "cortex-keypair", messages: [{ role: "user", content: "Tell me something" }] });
    assert.match(out.text, /You said: Tell me something/);
    assert.equal(out.finish, "stop");
    assert.ok(out.usage && out.usage.prompt_tokens > 0 && out.usage.completion_tokens > 0);
  });

  it("translates tools and a forced call, streamed and not", async () => {
    const request = {
      model: "cortex",
      tools: [
        {
          type: "function" as const,
          function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
        },
      ],
      tool_choice: "required" as const,
      messages: [{ role: "user" as const, content: "look it up" }],
    };
    const completion = await client.chat.completions.create(request);
    assertChatCompletion(completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
    assert.equal(call?.type === "function" ? call.function.arguments : undefined, '{"q":"cat"}');
    const body = snow.requests.at(-1)!.body as { tools: { tool_spec: { type: string } }[]; tool_choice: unknown };
    assert.deepEqual(body.tool_choice, { type: "required", name: ["lookup"] });
    assert.equal(body.tools[0]?.tool_spec.type, "generic");
    const out = await streamed(request);
    assert.equal(out.tool, "lookup");
    assert.equal(out.finish, "tool_calls");
  });

  it("embeds through inference:embed, and maps Cortex's errors onto OpenAI statuses", async () => {
    const embeddings = await client.embeddings.create({ model: "cortex-embed", input: ["a cat", "a dog"] });
    assertSchema("CreateEmbeddingResponse", embeddings);
    assert.equal(embeddings.data[1]?.embedding.length, 2);
    assert.equal(snow.requests.at(-1)!.path, "/api/v2/cortex/inference:embed");
    snow.script(snowflakeError(400, "The prompt is too long for the model's context window."));
    await assert.rejects(
      client.chat.completions.create({ model: "cortex", messages: hi }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
    snow.script(snowflakeError(429, "Too many requests."));
    await assert.rejects(
      client.chat.completions.create({ model: "cortex", messages: hi }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
  });
});
