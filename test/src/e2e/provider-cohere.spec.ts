// Cohere (`cohere/` and `cohere_chat/`) through the real mesh, called with the official OpenAI SDK: every answer and
// chunk is validated against OpenAI's schema, and the fake Cohere v2 API checks the Bearer key and the request body.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk } from "../conformance.js";
import { FAKE_COHERE_KEY, type FakeUpstream, startFakeCohere } from "../fakes/index.js";
import { MASTER_KEY, streamTellMeSomething } from "./setup.js";

let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeCohere();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-cohere-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: command
    litellm_params: { model: cohere/command-r-plus-08-2024, api_base: "${fake.url}", api_key: os.environ/E2E_COHERE_KEY }
  - model_name: command-chat
    litellm_params: { model: cohere_chat/command-a-03-2025, api_base: "${fake.url}/v2", api_key: os.environ/E2E_COHERE_KEY }
  # A group of its own for the rate-limit test, whose 429 cools its only deployment down.
  - model_name: command-quota
    litellm_params: { model: cohere/command-r, api_base: "${fake.url}", api_key: os.environ/E2E_COHERE_KEY }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_COHERE_KEY: FAKE_COHERE_KEY, LOG_LEVEL: "warn" },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

describe("a Cohere-backed model answers in OpenAI's format", () => {
  it("translates a non-streamed completion and the request Cohere receives, priced by billed units", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: "command",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.3,
        top_p: 0.8,
        max_tokens: 200,
      })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake cohere upstream\. You said: Hi/);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "the catalog prices command-r-plus");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/v2/chat");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_COHERE_KEY}`);
    assert.deepEqual(sent.body, {
      model: "command-r-plus-08-2024",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 200,
      temperature: 0.3,
      p: 0.8,
    });
  });

  it("streams Cohere's events as OpenAI chunks, with usage last (cohere_chat/)", async () => {
    await streamTellMeSomething(client, "command-chat");
    const body = fake.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual([body.model, body.stream], ["command-a-03-2025", true]);
  });

  it("translates tools, a forced call and its tool plan, streamed and not", async () => {
    const request = {
      model: "command",
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
    assert.equal(call?.type === "function" ? call.function.name : undefined, "lookup");
    assert.equal(completion.choices[0]?.message.content, "I will call the tool.");
    const body = fake.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(body.tool_choice, "REQUIRED");
    assert.deepEqual(body.tools, [
      {
        type: "function",
        function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
      },
    ]);
    let name = "";
    let args = "";
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
      assertChatCompletionChunk(chunk);
      name += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? "";
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
    }
    assert.deepEqual([name, args], ["lookup", "{}"]);
  });

  it("refuses what Cohere cannot do, and maps Cohere's errors onto OpenAI statuses", async () => {
    const before = fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({ model: "command", n: 2, messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === "n" && /cohere/.test(err.message),
    );
    assert.equal(fake.requests.length, before);
    fake.script({ status: 400, body: { message: "too many tokens: size limit exceeded by 11940 tokens." } });
    await assert.rejects(
      client.chat.completions.create({ model: "command", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
    fake.script({ status: 498, body: { message: "invalid api token" } });
    await assert.rejects(
      client.chat.completions.create({ model: "command", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError && err.status === 401,
    );
    fake.script({
      status: 429,
      body: { message: "You are using a Trial key, which is limited to 10 API calls / minute." },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "command-quota", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
  });
});
