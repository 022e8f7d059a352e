// The Gemini API (`gemini/`) through the real mesh, called with the official OpenAI SDK: every answer and chunk is
// validated against OpenAI's schema, and the fake Gemini API checks the key header and the request body.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion } from "../conformance.js";
import { FAKE_GEMINI_KEY, type FakeUpstream, startFakeGemini } from "../fakes/index.js";
import { MASTER_KEY, streamTellMeSomething } from "./setup.js";

let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeGemini();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-gemini-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: flash
    litellm_params: { model: gemini/gemini-2.5-flash, api_base: "${fake.url}/v1beta", api_key: os.environ/E2E_GEMINI_KEY }
  # A group of its own for the rate-limit test, whose 429 cools its only deployment down.
  - model_name: flash-quota
    litellm_params: { model: gemini/gemini-2.5-flash, api_base: "${fake.url}", api_key: os.environ/E2E_GEMINI_KEY }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_GEMINI_KEY: FAKE_GEMINI_KEY, LOG_LEVEL: "warn" },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

describe("a Gemini-backed model answers in OpenAI's format", () => {
  it("translates a non-streamed completion and the request Gemini receives", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: "flash",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.3,
        max_tokens: 200,
      })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake gemini upstream\. You said: Hi/);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "the catalog prices gemini-2.5-flash");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert.equal(sent.headers["x-goog-api-key"], FAKE_GEMINI_KEY);
    assert.deepEqual(sent.body, {
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { temperature: 0.3, maxOutputTokens: 200 },
    });
  });

  it("streams Gemini frames as OpenAI chunks, with usage last", async () => {
    await streamTellMeSomething(client, "flash");
    assert.equal(fake.requests.at(-1)?.path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent");
  });

  it("translates tools and a forced function call", async () => {
    const completion = await client.chat.completions.create({
      model: "flash",
      tools: [
        {
          type: "function",
          function: {
            name: "lookup",
            parameters: { type: "object", properties: { q: { type: "string" } }, additionalProperties: false },
          },
        },
      ],
      tool_choice: "required",
      messages: [{ role: "user", content: "look it up" }],
    });
    assertChatCompletion(completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
    assert.equal(call?.type === "function" ? call.function.name : undefined, "lookup");
    const body = fake.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: "ANY" } });
  });

  it("maps Gemini's errors onto OpenAI statuses", async () => {
    fake.script({
      status: 429,
      body: { error: { code: 429, message: "You exceeded your current quota.", status: "RESOURCE_EXHAUSTED" } },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "flash-quota", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
    fake.script({
      status: 400,
      body: {
        error: {
          code: 400,
          message: "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).",
          status: "INVALID_ARGUMENT",
        },
      },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "flash", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === "context_length_exceeded",
    );
  });

  it("refuses a parameter Gemini cannot honour with a 400 naming it", async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: "flash",
        messages: [{ role: "user", content: "hi" }],
        tools: [{ type: "function", function: { name: "f" } }],
        parallel_tool_calls: false,
      }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === "parallel_tool_calls",
    );
  });
});
