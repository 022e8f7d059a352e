// IBM watsonx.ai (`watsonx/`) through the real mesh, called with the official OpenAI SDK: the worker exchanges the API
// key at the fake IAM (WATSONX_IAM_URL) once and reuses the token; every answer and chunk is validated against
// OpenAI's schema, and the fake checks the token, the version query, the project and the body.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk } from "../conformance.js";
import {
  FAKE_WATSONX_KEY,
  FAKE_WATSONX_TOKEN,
  type FakeUpstream,
  startFakeWatsonx,
  watsonxError,
} from "../fakes/index.js";
import { MASTER_KEY, streamTellMeSomething } from "./setup.js";

let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeWatsonx();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-watsonx-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: granite
    litellm_params: { model: watsonx/ibm/granite-3-8b-instruct, api_base: "${fake.url}", api_key: os.environ/E2E_WATSONX_KEY, project_id: proj-e2e }
  - model_name: granite-quota
    litellm_params: { model: watsonx/ibm/granite-3-8b-instruct, api_base: "${fake.url}", api_key: os.environ/E2E_WATSONX_KEY, space_id: space-e2e }
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
      E2E_WATSONX_KEY: FAKE_WATSONX_KEY,
      WATSONX_IAM_URL: `${fake.url}/identity/token`,
      LOG_LEVEL: "warn",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

const iamCalls = () => fake.requests.filter((r) => r.path === "/identity/token").length;

describe("a watsonx.ai-backed model answers in OpenAI's format", () => {
  it("exchanges the key at IAM, sends the chat body with the token, and prices granite", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: "granite",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.3,
        max_tokens: 200,
      })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake watsonx upstream\. You said: Hi/);
    assert.equal(completion.model, "ibm/granite-3-8b-instruct");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "the catalog prices granite-3-8b");
    assert.equal(iamCalls(), 1);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/ml/v1/text/chat");
    assert.equal(sent.query, "version=2024-05-31");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_WATSONX_TOKEN}`);
    assert.deepEqual(sent.body, {
      model_id: "ibm/granite-3-8b-instruct",
      project_id: "proj-e2e",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      temperature: 0.3,
      max_tokens: 200,
    });
  });

  it("streams /text/chat_stream as OpenAI chunks with usage last, reusing the cached token", async () => {
    await streamTellMeSomething(client, "granite");
    assert.equal(fake.requests.at(-1)!.path, "/ml/v1/text/chat_stream");
    assert.equal(iamCalls(), 1);
  });

  it("translates tools and a forced call, streamed and not", async () => {
    const request = {
      model: "granite",
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
    assert.equal(call?.type === "function" ? call.function.arguments : undefined, '{"q": "cat"}');
    assert.equal((fake.requests.at(-1)!.body as { tool_choice_option?: string }).tool_choice_option, "required");
    let name = "";
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
      assertChatCompletionChunk(chunk);
      name += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? "";
    }
    assert.equal(name, "lookup");
  });

  it("maps watsonx's errors onto OpenAI statuses", async () => {
    fake.script(
      watsonxError(
        400,
        "invalid_input_argument",
        "the number of input tokens 140000 cannot exceed the total tokens limit 131072 for this model",
      ),
    );
    await assert.rejects(
      client.chat.completions.create({ model: "granite", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
    fake.script(watsonxError(429, "rate_limit_exceeded", "Rate limit exceeded"));
    await assert.rejects(
      client.chat.completions.create({ model: "granite-quota", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
    assert.equal((fake.requests.at(-1)!.body as { space_id?: string }).space_id, "space-e2e");
  });
});
