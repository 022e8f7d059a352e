// Cloudflare Workers AI (`cloudflare/`) through the real mesh, called with the official OpenAI SDK: every answer and
// chunk is validated against OpenAI's schema, and the fake checks the Bearer token, the /ai/run/{model} path and body.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion } from "../conformance.js";
import {
  cloudflareError,
  FAKE_CLOUDFLARE_ACCOUNT,
  FAKE_CLOUDFLARE_KEY,
  type FakeUpstream,
  startFakeCloudflare,
} from "../fakes/index.js";
import { MASTER_KEY, streamTellMeSomething } from "./setup.js";

let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;
const MODEL = "@cf/meta/llama-3.1-8b-instruct";

before(async () => {
  fake = await startFakeCloudflare();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-cloudflare-e2e-"));
  const configPath = join(dir, "config.yaml");
  const base = `${fake.url}/client/v4/accounts/${FAKE_CLOUDFLARE_ACCOUNT}/ai/run/`;
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: llama
    litellm_params: { model: "cloudflare/${MODEL}", api_base: "${base}", api_key: os.environ/E2E_CLOUDFLARE_KEY }
  - model_name: llama-quota
    litellm_params: { model: "cloudflare/${MODEL}", api_base: "${base}", api_key: os.environ/E2E_CLOUDFLARE_KEY }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_CLOUDFLARE_KEY: FAKE_CLOUDFLARE_KEY, LOG_LEVEL: "warn" },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

describe("a Workers AI-backed model answers in OpenAI's format", () => {
  it("unwraps result.response, sends the native body to /ai/run/{model}, and prices the model", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: "llama",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.3,
        max_tokens: 200,
      })
      .withResponse();
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake cloudflare upstream\. You said: Hi/);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get("x-switchyard-response-cost")) > 0, "the catalog prices llama-3.1-8b");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, `/client/v4/accounts/${FAKE_CLOUDFLARE_ACCOUNT}/ai/run/${MODEL}`);
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_CLOUDFLARE_KEY}`);
    assert.deepEqual(sent.body, {
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      stream: false,
      temperature: 0.3,
      max_tokens: 200,
    });
  });

  it("streams SSE `response` pieces as OpenAI chunks, with usage last", async () => {
    await streamTellMeSomething(client, "llama");
    assert.equal((fake.requests.at(-1)!.body as { stream: boolean }).stream, true);
  });

  it("refuses tools by name, and maps the v4 error envelope onto OpenAI statuses", async () => {
    const before = fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: "llama",
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
        messages: [{ role: "user", content: "hi" }],
      }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && err.param === "tools" && /cloudflare/.test(err.message),
    );
    assert.equal(fake.requests.length, before);
    fake.script(cloudflareError(401, 10000, "Authentication error"));
    await assert.rejects(
      client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError && err.status === 401,
    );
    fake.script(cloudflareError(429, 3036, "Account limited: you have used up your daily free allocation"));
    await assert.rejects(
      client.chat.completions.create({ model: "llama-quota", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
  });
});
