// Azure OpenAI (`azure/`) and the Azure AI model inference API (`azure_ai/`) through the real mesh, called with the
// official OpenAI SDK: every answer, chunk and embeddings list is validated against OpenAI's schema; the fakes check
// the deployment path, `api-version`, the `api-key` header or an Entra ID token minted by a fake token endpoint, and
// speak Azure's error bodies and content filter.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk, assertSchema } from "../conformance.js";
import type { FakeEntra } from "../fakes/fake-entra.js";
import {
  BLOCKED_PROMPT,
  FAKE_AZURE_KEY,
  type FakeUpstream,
  startFakeAzure,
  startFakeAzureAI,
  startFakeEntra,
} from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const CLIENT = { tenantId: "tenant-e2e", clientId: "client-e2e", clientSecret: "client-secret-e2e-0123456789" };

let azure: FakeUpstream;
let azureAi: FakeUpstream;
let entra: FakeEntra;
let mesh: Mesh;
let client: OpenAI;

function config(): string {
  const key = "api_key: os.environ/E2E_AZURE_KEY";
  return `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: azure/gpt-4o, api_base: "${azure.url}/", ${key}, api_version: "2024-10-21" }
  # A group of its own for the rate-limit test, whose 429 cools its only deployment down.
  - model_name: gpt-4o-quota
    litellm_params: { model: azure/gpt-4o, api_base: "${azure.url}", ${key} }
  - model_name: entra
    litellm_params:
      model: azure/prod-chat
      api_base: "${azure.url}"
      tenant_id: ${CLIENT.tenantId}
      client_id: ${CLIENT.clientId}
      client_secret: os.environ/E2E_AZURE_CLIENT_SECRET
      azure_authority_host: "${entra.url}"
    model_info: { base_model: azure/gpt-4o-mini }
  - model_name: azure-embed
    litellm_params: { model: azure/text-embedding-3-small, api_base: "${azure.url}", ${key}, api_version: "2024-10-21" }
    model_info: { mode: embedding }
  - model_name: cohere-embed
    litellm_params:
      model: azure_ai/Cohere-embed-v3-english
      api_base: "${azureAi.url}"
      ${key}
      input_cost_per_token: 0.0000001
    model_info: { mode: embedding }
  - model_name: llama
    litellm_params:
      model: azure_ai/Llama-3.3-70B-Instruct
      api_base: "${azureAi.url}"
      ${key}
      input_cost_per_token: 0.00000071
      output_cost_per_token: 0.00000071
  - model_name: llama-lenient
    litellm_params: { model: azure_ai/Llama-3.3-70B-Instruct, api_base: "${azureAi.url}", ${key}, drop_params: true }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;
}

before(async () => {
  entra = await startFakeEntra(CLIENT);
  azure = await startFakeAzure({
    deployments: ["gpt-4o", "prod-chat"],
    embeddingDeployments: ["text-embedding-3-small"],
    tokens: () => entra.minted,
  });
  azureAi = await startFakeAzureAI();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-azure-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config());
  mesh = await startMesh({
    configPath,
    env: {
      SWITCHYARD_MASTER_KEY: MASTER_KEY,
      E2E_AZURE_KEY: FAKE_AZURE_KEY,
      E2E_AZURE_CLIENT_SECRET: CLIENT.clientSecret,
      LOG_LEVEL: "warn",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await Promise.all([azure?.close(), azureAi?.close(), entra?.close()]);
});

/** Streams a completion, validating every chunk; returns the text, the finish reason and the usage. */
async function streamed(model: string, content: string) {
  const stream = await client.chat.completions.create({
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content }],
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

describe("an Azure OpenAI deployment answers in OpenAI's format", () => {
  it("calls the deployment with api-version and api-key, and prices it like OpenAI's gpt-4o", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], temperature: 0.2 })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake azure upstream\. You said: Hi/);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0);
    const sent = azure.requests.at(-1)!;
    assert.equal(sent.path, "/openai/deployments/gpt-4o/chat/completions");
    assert.equal(sent.query, "api-version=2024-10-21");
    assert.equal(sent.headers["api-key"], FAKE_AZURE_KEY);
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.body, { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], temperature: 0.2 });
  });

  it("streams with usage last, without Azure's choice-less prompt-filter chunk", async () => {
    const { text, finish, usage } = await streamed("gpt-4o", "Tell me something");
    assert.match(text, /You said: Tell me something/);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    const body = azure.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  it("translates a forced tool call", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }],
      tool_choice: "required",
      messages: [{ role: "user", content: "look it up" }],
    });
    assertChatCompletion(completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type === "function" ? call.function.name : undefined, "lookup");
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
  });

  it("authenticates with an Entra ID token minted once from the client credentials", async () => {
    const { data: first, response } = await client.chat.completions
      .create({ model: "entra", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    assertChatCompletion(first);
    const { text } = await streamed("entra", "again");
    assert.match(text, /You said: again/);
    assert.equal(entra.requests.length, 1);
    const sent = azure.requests.at(-1)!;
    assert.equal(sent.path, "/openai/deployments/prod-chat/chat/completions");
    assert.equal(sent.query, "api-version=2025-02-01-preview");
    assert.equal(sent.headers.authorization, `Bearer ${entra.minted[0]}`);
    assert.equal(sent.headers["api-key"], undefined);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "priced by model_info.base_model");
  });

  it("maps the content filter to a 400 and a 429 to a rate-limit error", async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: `say ${BLOCKED_PROMPT}` }],
      }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && err.code === "content_filter" && err.param === "prompt",
    );
    azure.script({
      status: 429,
      headers: { "retry-after": "6", "retry-after-ms": "6000" },
      body: {
        error: { code: "429", message: "Requests have exceeded token rate limit. Please retry after 6 seconds." },
      },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "gpt-4o-quota", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
  });
});

describe("Azure embeddings answer in OpenAI's format", () => {
  it("embeds through an Azure OpenAI deployment with api-version and api-key, priced by its model", async () => {
    const { data: res, response } = await client.embeddings
      .create({ model: "azure-embed", input: ["hello", "world!"], dimensions: 4 })
      .withResponse();
    assertSchema("CreateEmbeddingResponse", res);
    assert.deepEqual(
      res.data.map((d) => [d.index, d.embedding.length]),
      [
        [0, 4],
        [1, 4],
      ],
    );
    assert.ok(res.usage.prompt_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0);
    const sent = azure.requests.at(-1)!;
    assert.equal(sent.path, "/openai/deployments/text-embedding-3-small/embeddings");
    assert.equal(sent.query, "api-version=2024-10-21");
    assert.equal(sent.headers["api-key"], FAKE_AZURE_KEY);
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.body, {
      model: "text-embedding-3-small",
      input: ["hello", "world!"],
      encoding_format: "float",
      dimensions: 4,
    });
    // Asked for floats, the answer carries them as sent by the upstream.
    const floats = await client.embeddings.create({ model: "azure-embed", input: "hello", encoding_format: "float" });
    assertSchema("CreateEmbeddingResponse", floats);
    assert.equal(floats.data[0]?.embedding.length, 3);
  });

  it("embeds through the model inference API's /embeddings with a Bearer key, priced by the deployment", async () => {
    const { data: res, response } = await client.embeddings
      .create({ model: "cohere-embed", input: "a document" })
      .withResponse();
    assertSchema("CreateEmbeddingResponse", res);
    assert.equal(res.data.length, 1);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0);
    const sent = azureAi.requests.at(-1)!;
    assert.equal(sent.path, "/embeddings");
    assert.equal(sent.query, "api-version=2024-05-01-preview");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_AZURE_KEY}`);
    assert.deepEqual(sent.body, { model: "Cohere-embed-v3-english", input: ["a document"], encoding_format: "float" });
  });
});

describe("an Azure AI model inference deployment answers in OpenAI's format", () => {
  it("calls /chat/completions with the documented api-version and a Bearer key", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: "llama", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake azure_ai upstream/);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0);
    const sent = azureAi.requests.at(-1)!;
    assert.equal(sent.path, "/chat/completions");
    assert.equal(sent.query, "api-version=2024-05-01-preview");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_AZURE_KEY}`);
    const { usage } = await streamed("llama", "stream it");
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it("passes on the service's 422 naming a field it lacks, and asks it to drop the field under drop_params", async () => {
    const request = { messages: [{ role: "user" as const, content: "hi" }], logprobs: true };
    await assert.rejects(
      client.chat.completions.create({ model: "llama", ...request }),
      (err: unknown) => err instanceof OpenAI.UnprocessableEntityError && err.param === "logprobs",
    );
    assertChatCompletion(await client.chat.completions.create({ model: "llama-lenient", ...request }));
    assert.equal(azureAi.requests.at(-1)!.headers["extra-parameters"], "drop");
  });
});
