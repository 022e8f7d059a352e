// Vertex AI (`vertex_ai/`) through the real mesh, called with the official OpenAI SDK: the worker signs a JWT with a
// throwaway service-account key from `vertex_credentials`, the fake token endpoint verifies it and mints a bearer
// token, and the fake Vertex AI serves Gemini (`:generateContent`) and Claude (`:rawPredict`) models with it.

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk } from "../conformance.js";
import type { FakeTokenEndpoint } from "../fakes/fake-vertex.js";
import { type FakeUpstream, startFakeTokenEndpoint, startFakeVertex } from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const EMAIL = "switchyard-e2e@e2e-proj.iam.gserviceaccount.com";

let tokens: FakeTokenEndpoint;
let vertex: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  tokens = await startFakeTokenEndpoint(publicKey, EMAIL);
  vertex = await startFakeVertex(tokens);
  const key = {
    type: "service_account",
    project_id: "e2e-proj",
    private_key: privateKey,
    client_email: EMAIL,
    token_uri: tokens.url,
  };
  const dir = mkdtempSync(join(tmpdir(), "switchyard-vertex-e2e-"));
  const configPath = join(dir, "config.yaml");
  const params = `api_base: "${vertex.url}", vertex_location: us-east5, vertex_credentials: os.environ/E2E_VERTEX_CREDENTIALS`;
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: vertex-flash
    litellm_params: { model: vertex_ai/gemini-2.5-flash, vertex_project: e2e-proj, ${params} }
  - model_name: vertex-claude
    litellm_params: { model: vertex_ai/claude-sonnet-4-5@20250929, ${params} }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_VERTEX_CREDENTIALS: JSON.stringify(key), LOG_LEVEL: "warn" },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await vertex?.close();
  await tokens?.close();
});

describe("Vertex AI models answer in OpenAI's format", () => {
  it("calls a Gemini model with a token minted from the service-account key, and reuses the token", async () => {
    for (const content of ["Hi", "Hi again"]) {
      const completion = await client.chat.completions.create({
        model: "vertex-flash",
        messages: [{ role: "user", content }],
      });
      assertChatCompletion(completion);
      assert.match(completion.choices[0]?.message.content ?? "", new RegExp(`You said: ${content}`));
    }
    assert.deepEqual(tokens.minted, ["ya29.fake-vertex-1"]);
    const sent = vertex.requests.at(-1)!;
    assert.equal(
      sent.path,
      "/v1/projects/e2e-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent",
    );
    assert.equal(sent.headers.authorization, "Bearer ya29.fake-vertex-1");
  });

  it("streams a Gemini model with usage last", async () => {
    const stream = await client.chat.completions.create({
      model: "vertex-flash",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Stream it" }],
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      assertChatCompletionChunk(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    assert.match(text, /You said: Stream it/);
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it("calls Claude on the anthropic publisher's rawPredict, project from the key, streamed and not", async () => {
    const completion = await client.chat.completions.create({
      model: "vertex-claude",
      messages: [{ role: "user", content: "Hello Claude" }],
    });
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /You said: Hello Claude/);
    const sent = vertex.requests.at(-1)!;
    assert.equal(
      sent.path,
      "/v1/projects/e2e-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
    );
    assert.equal((sent.body as Record<string, unknown>).anthropic_version, "vertex-2023-10-16");
    const stream = await client.chat.completions.create({
      model: "vertex-claude",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Stream, Claude" }],
    });
    let text = "";
    for await (const chunk of stream) {
      assertChatCompletionChunk(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    assert.match(text, /You said: Stream, Claude/);
    assert.match(vertex.requests.at(-1)?.path ?? "", /:streamRawPredict$/);
  });

  it("maps a Vertex quota error onto 429", async () => {
    vertex.script({
      status: 429,
      body: {
        error: { code: 429, message: "Quota exceeded for aiplatform.googleapis.com.", status: "RESOURCE_EXHAUSTED" },
      },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "vertex-claude", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError,
    );
  });
});
