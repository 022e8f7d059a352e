// Hugging Face (`huggingface/`) through the real mesh against a TGI-style endpoint (`api_base`), called with the
// official OpenAI SDK: the adapter is the OpenAI one with Hugging Face's URLs, so the fake is the OpenAI one at
// `/v1/chat/completions`; every answer and chunk is validated against OpenAI's schema.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk } from "../conformance.js";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const HF_TOKEN = "hf_fake0123456789abcdefghij";
let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  fake = await startFakeOpenAI({ apiKey: HF_TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "switchyard-huggingface-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: llama
    litellm_params: { model: "huggingface/meta-llama/Llama-3.3-70B-Instruct", api_base: "${fake.url}", api_key: os.environ/E2E_HF_TOKEN }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_HF_TOKEN: HF_TOKEN, LOG_LEVEL: "warn" },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

describe("a Hugging Face endpoint answers in OpenAI's format", () => {
  it("POSTs to {api_base}/v1/chat/completions with the HF token and the repository model id", async () => {
    const completion = await client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "Hi" }],
    });
    assertChatCompletion(completion);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/v1/chat/completions");
    assert.equal(sent.headers.authorization, `Bearer ${HF_TOKEN}`);
    assert.equal((sent.body as { model: string }).model, "meta-llama/Llama-3.3-70B-Instruct");
  });

  it("streams with usage last, and maps an upstream 503 onto a 5xx", async () => {
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of await client.chat.completions.create({
      model: "llama",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Tell me something" }],
    })) {
      assertChatCompletionChunk(chunk);
      usage = chunk.usage ?? usage;
    }
    assert.ok(usage && usage.completion_tokens > 0);
    fake.script({ status: 503, body: { error: "Model is overloaded" } });
    await assert.rejects(
      client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.APIError && (err.status ?? 0) >= 500,
    );
  });
});
