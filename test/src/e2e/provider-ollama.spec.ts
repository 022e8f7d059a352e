// Ollama (`ollama/` and `ollama_chat/`) through the real mesh, called with the official OpenAI SDK: every answer and
// chunk is validated against OpenAI's schema, and the fake Ollama checks the native /api/chat and /api/embed bodies.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk, assertSchema } from "../conformance.js";
import { type FakeUpstream, startFakeOllama } from "../fakes/index.js";
import { MASTER_KEY, streamTellMeSomething } from "./setup.js";

let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeOllama();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-ollama-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: llama
    litellm_params: { model: ollama_chat/llama3.2, api_base: "${fake.url}" }
  - model_name: llama-plain
    litellm_params: { model: ollama/llama3.2, api_base: "${fake.url}" }
  - model_name: missing
    litellm_params: { model: ollama/missing-model, api_base: "${fake.url}" }
  - model_name: minilm
    litellm_params: { model: ollama/all-minilm, api_base: "${fake.url}" }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({ configPath, env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, LOG_LEVEL: "warn" } });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

describe("an Ollama-backed model answers in OpenAI's format", () => {
  it("translates a non-streamed completion and the native request Ollama receives", async () => {
    const completion = await client.chat.completions.create({
      model: "llama",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      temperature: 0.3,
      max_tokens: 200,
      response_format: { type: "json_object" },
    });
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake ollama upstream\. You said: Hi/);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/api/chat");
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.body, {
      model: "llama3.2",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      stream: false,
      options: { temperature: 0.3, num_predict: 200 },
      format: "json",
    });
  });

  it("streams NDJSON as OpenAI chunks, with usage last (ollama/)", async () => {
    await streamTellMeSomething(client, "llama-plain");
    assert.equal((fake.requests.at(-1)!.body as { stream: boolean }).stream, true);
  });

  it("returns tool calls, streamed and not, with object arguments sent back as Ollama wants them", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
      },
    ];
    const completion = await client.chat.completions.create({
      model: "llama",
      tools,
      messages: [{ role: "user", content: "look it up" }],
    });
    assertChatCompletion(completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
    assert.ok(call?.type === "function");
    assert.deepEqual([call.function.name, call.function.arguments], ["lookup", '{"q":"cat"}']);
    await client.chat.completions.create({
      model: "llama",
      tools,
      messages: [
        { role: "user", content: "look it up" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "a cat" },
      ],
    });
    const sent = fake.requests.at(-1)!.body as { messages: unknown[] };
    assert.deepEqual(sent.messages.slice(1), [
      { role: "assistant", content: "", tool_calls: [{ function: { name: "lookup", arguments: { q: "cat" } } }] },
      { role: "tool", content: "a cat", tool_name: "lookup" },
    ]);
    let name = "";
    let args = "";
    for await (const chunk of await client.chat.completions.create({
      model: "llama",
      tools,
      stream: true,
      messages: [{ role: "user", content: "look it up" }],
    })) {
      assertChatCompletionChunk(chunk);
      name += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? "";
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
    }
    assert.deepEqual([name, args], ["lookup", '{"q":"cat"}']);
  });

  it("embeds through /api/embed", async () => {
    const res = await fetch(`${mesh.restUrl}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "minilm", input: ["first", "second one"] }),
    });
    const json = (await res.json()) as { data: unknown[]; usage: { prompt_tokens: number } };
    assert.equal(res.status, 200, JSON.stringify(json));
    assertSchema("CreateEmbeddingResponse", json);
    assert.equal(json.data.length, 2);
    assert.ok(json.usage.prompt_tokens > 0);
    assert.deepEqual(fake.requests.at(-1)!.body, { model: "all-minilm", input: ["first", "second one"] });
    assert.equal(fake.requests.at(-1)!.path, "/api/embed");
  });

  it("refuses what Ollama cannot do, and maps Ollama's errors onto OpenAI statuses", async () => {
    const before = fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({ model: "llama", n: 2, messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === "n" && /ollama/.test(err.message),
    );
    assert.equal(fake.requests.length, before);
    await assert.rejects(
      client.chat.completions.create({ model: "missing", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.NotFoundError && /try pulling it first/.test(err.message),
    );
    fake.script({ status: 500, body: { error: "llama runner process has terminated" } });
    await assert.rejects(
      client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.APIError && (err.status ?? 0) >= 500,
    );
  });
});
