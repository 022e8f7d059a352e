// Every OpenAI-compatible provider through the real mesh: each provider id is its own deployment, pointed at a fake
// that speaks OpenAI's wire format, called with the official OpenAI SDK; every answer and chunk is validated
// against OpenAI's OpenAPI spec, and the request the fake received is checked.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk, assertSchema } from "../conformance.js";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY, OPENAI_KEY } from "./setup.js";

/** The OpenAI-compatible provider ids (services/provider-worker/src/providers/openai-compatible). */
const PROVIDERS = [
  "mistral",
  "codestral",
  "meta_llama",
  "anyscale",
  "databricks",
  "nvidia_nim",
  "nscale",
  "xai",
  "lm_studio",
  "cerebras",
  "volcengine",
  "perplexity",
  "friendliai",
  "galadriel",
  "groq",
  "github",
  "deepseek",
  "fireworks_ai",
  "clarifai",
  "hosted_vllm",
  "vllm",
  "llamafile",
  "xinference",
  "deepinfra",
  "together_ai",
  "novita",
  "baseten",
  "openrouter",
  "sambanova",
  "featherless_ai",
  "nebius",
  "openai_like",
  "custom_openai",
  "ai21",
  "ai21_chat",
];

/** Those that also serve OpenAI's /embeddings through Switchyard. */
const EMBEDDINGS = ["mistral", "together_ai", "fireworks_ai", "deepinfra", "nebius", "hosted_vllm", "openai_like"];

let upstream: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  const entries = PROVIDERS.map(
    (id) => `  - model_name: via-${id}
    litellm_params: { model: "${id}/upstream-${id}", api_base: "${upstream.url}/v1", api_key: os.environ/E2E_KEY }
    model_info: { id: ${id} }`,
  ).join("\n");
  const dir = mkdtempSync(join(tmpdir(), "switchyard-compatible-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `model_list:\n${entries}\nrouter_settings: { num_retries: 0 }\ngeneral_settings:\n  master_key: os.environ/SWITCHYARD_MASTER_KEY\n`,
  );
  mesh = await startMesh({ configPath, env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_KEY: OPENAI_KEY } });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await upstream?.close();
});

describe("OpenAI-compatible providers through the mesh", () => {
  it("every provider answers a completion and a stream in OpenAI's format, from its own deployment", async () => {
    for (const id of PROVIDERS) {
      const { data, response } = await client.chat.completions
        .create({ model: `via-${id}`, messages: [{ role: "user", content: `hello ${id}` }] })
        .withResponse();
      assertChatCompletion(data);
      assert.equal(response.headers.get("x-switchyard-deployment"), id);
      const sent = upstream.requests.at(-1)!;
      assert.equal(sent.path, "/v1/chat/completions", id);
      assert.equal(sent.headers.authorization, `Bearer ${OPENAI_KEY}`, id);
      assert.equal((sent.body as { model: string }).model, `upstream-${id}`, id);

      const stream = await client.chat.completions.create({
        model: `via-${id}`,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: `stream ${id}` }],
      });
      let text = "";
      let usage = false;
      for await (const chunk of stream) {
        assertChatCompletionChunk(chunk);
        text += chunk.choices[0]?.delta.content ?? "";
        usage ||= !!chunk.usage;
      }
      assert.ok(text.length > 0 && usage, id);
    }
  });

  it("the providers with embeddings embed through the same deployment", async () => {
    for (const id of EMBEDDINGS) {
      const res = await fetch(`${mesh.restUrl}/v1/embeddings`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: `via-${id}`, input: ["a", "b"] }),
      });
      const json = (await res.json()) as unknown;
      assert.equal(res.status, 200, `${id}: ${JSON.stringify(json)}`);
      assertSchema("CreateEmbeddingResponse", json);
      assert.equal(upstream.requests.at(-1)!.path, "/v1/embeddings", id);
    }
    // One without: refused by name.
    const res = await fetch(`${mesh.restUrl}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "via-groq", input: "a" }),
    });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(await res.json()), /groq does not support embeddings/);
  });

  it("a field the provider rejects is refused before any call, naming provider and field", async () => {
    const before = upstream.requests.length;
    const res = await fetch(`${mesh.restUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "via-groq", logprobs: true, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string; param: string } };
    assert.match(body.error.message, /groq does not support parameter "logprobs"/);
    assert.equal(body.error.param, "logprobs");
    assert.equal(upstream.requests.length, before, "nothing reached the upstream");
  });
});
