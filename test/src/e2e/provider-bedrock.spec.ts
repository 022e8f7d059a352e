// AWS Bedrock (`bedrock/`) through the real mesh, called with the official OpenAI SDK: every answer and chunk is
// validated against OpenAI's schema, and the fake Bedrock Runtime recomputes the SigV4 signature of every request
// with the SDK's signer and the configured secret, and decodes nothing it cannot verify.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk } from "../conformance.js";
import { FAKE_AWS_KEY, type FakeUpstream, startFakeBedrock } from "../fakes/index.js";
import { MASTER_KEY, streamTellMeSomething } from "./setup.js";

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";

let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeBedrock();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bedrock-e2e-"));
  const configPath = join(dir, "config.yaml");
  const aws = `aws_access_key_id: os.environ/E2E_AWS_KEY_ID, aws_secret_access_key: os.environ/E2E_AWS_SECRET, aws_region_name: us-east-1`;
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: haiku
    litellm_params: { model: bedrock/converse/${MODEL}, api_base: "${fake.url}", ${aws} }
  # A group of its own for the rate-limit test, whose 429 cools its only deployment down.
  - model_name: haiku-throttled
    litellm_params: { model: bedrock/${MODEL}, aws_bedrock_runtime_endpoint: "${fake.url}", ${aws} }
  - model_name: haiku-invoke
    litellm_params: { model: bedrock/invoke/${MODEL}, api_base: "${fake.url}", ${aws} }
  - model_name: llama-invoke
    litellm_params: { model: bedrock/invoke/meta.llama3-70b-instruct-v1:0, api_base: "${fake.url}", ${aws} }
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
      E2E_AWS_KEY_ID: FAKE_AWS_KEY.accessKeyId,
      E2E_AWS_SECRET: FAKE_AWS_KEY.secretAccessKey,
      LOG_LEVEL: "warn",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

/** The same short chat on `model`, its answer checked against OpenAI's schema. */
async function briefHi(model: string) {
  const answer = await client.chat.completions
    .create({
      model,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      temperature: 0.3,
      max_tokens: 200,
    })
    .withResponse();
  assertChatCompletion(answer.data);
  return answer;
}

describe("a Bedrock-backed model answers in OpenAI's format", () => {
  it("translates a non-streamed completion and the signed Converse request Bedrock receives", async () => {
    const { data: completion, response } = await briefHi("haiku");
    assert.match(completion.choices[0]?.message.content ?? "", /fake bedrock upstream\. You said: Hi/);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.equal(completion.model, MODEL);
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "the catalog prices Claude 3.5 Haiku");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
    assert.match(
      String(sent.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, /,
    );
    assert.deepEqual(sent.body, {
      messages: [{ role: "user", content: [{ text: "Hi" }] }],
      system: [{ text: "Be brief." }],
      inferenceConfig: { maxTokens: 200, temperature: 0.3 },
    });
  });

  it("streams ConverseStream events as OpenAI chunks, with usage last", async () => {
    await streamTellMeSomething(client, "haiku");
    assert.equal(fake.requests.at(-1)?.path, "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream");
  });

  it("calls InvokeModel with Anthropic's body for bedrock/invoke/, signed the same way", async () => {
    const { data: completion, response } = await briefHi("haiku-invoke");
    assert.match(completion.choices[0]?.message.content ?? "", /You said: Hi/);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.equal(completion.model, "claude-fake-bedrock");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "priced as the Converse route is");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke");
    assert.match(String(sent.headers.authorization), /\/us-east-1\/bedrock\/aws4_request, /);
    assert.deepEqual(sent.body, {
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 200,
      messages: [{ role: "user", content: "Hi" }],
      system: "Be brief.",
      temperature: 0.3,
    });
  });

  it("streams InvokeModelWithResponseStream chunks (Anthropic events in base64 bytes) as OpenAI chunks", async () => {
    await streamTellMeSomething(client, "haiku-invoke");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");
    assert.equal((sent.body as Record<string, unknown>).stream, undefined, "Bedrock takes streaming from the path");
  });

  it("refuses bedrock/invoke/ for a model that is not Anthropic's, naming model", async () => {
    const err = await client.chat.completions
      .create({ model: "llama-invoke", messages: [{ role: "user", content: "Hi" }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.param, "model");
    assert.match(err.message, /supported for Anthropic models/);
  });

  it("translates tools and a forced tool call, streamed", async () => {
    const stream = await client.chat.completions.create({
      model: "haiku",
      stream: true,
      tools: [
        {
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
        },
      ],
      tool_choice: "required",
      messages: [{ role: "user", content: "look it up" }],
    });
    const names: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      assertChatCompletionChunk(chunk);
      for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
        if (call.function?.name) names.push(call.function.name);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.deepEqual(names, ["lookup"]);
    assert.equal(finish, "tool_calls");
    const body = fake.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(body.toolConfig, {
      tools: [
        {
          toolSpec: {
            name: "lookup",
            inputSchema: { json: { type: "object", properties: { q: { type: "string" } } } },
          },
        },
      ],
      toolChoice: { any: {} },
    });
  });

  it("maps Bedrock's errors onto OpenAI statuses", async () => {
    const throttled = {
      "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
    };
    fake.script({
      status: 429,
      body: { message: "Too many requests, please wait before trying again." },
      headers: throttled,
    });
    await assert.rejects(
      client.chat.completions.create({ model: "haiku-throttled", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
    fake.script({
      status: 400,
      body: { message: "Input is too long for requested model." },
      headers: { "x-amzn-errortype": "ValidationException" },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "haiku", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
  });

  it("refuses a parameter Converse cannot honour with a 400 naming it", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "haiku", messages: [{ role: "user", content: "hi" }], seed: 7 }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === "seed",
    );
  });
});
