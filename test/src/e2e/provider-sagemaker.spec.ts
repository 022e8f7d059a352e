// AWS SageMaker (`sagemaker/<endpoint>`, LiteLLM's sagemaker_chat semantics) through the real mesh, called with the
// official OpenAI SDK. The worker has no AWS keys: it gets them as a Kubernetes pod with IRSA would, from STS
// AssumeRoleWithWebIdentity with a projected token file, and the fake SageMaker Runtime accepts only the temporary
// key STS issued, with its session token, under a valid SigV4 signature.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import OpenAI from "openai";
import { assertChatCompletion, assertChatCompletionChunk } from "../conformance.js";
import { type FakeSts, type FakeUpstream, startFakeSagemaker, startFakeSts } from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const ROLE = "arn:aws:iam::123456789012:role/switchyard-sagemaker";

let sts: FakeSts;
let fake: FakeUpstream;
let mesh: Mesh;
let client: OpenAI;

before(async () => {
  sts = await startFakeSts();
  fake = await startFakeSagemaker([sts.key]);
  const dir = mkdtempSync(join(tmpdir(), "switchyard-sagemaker-e2e-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.signature\n");
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: llama
    litellm_params: { model: sagemaker/tgi-llama-endpoint, api_base: "${fake.url}", aws_region_name: eu-west-1, aws_sts_endpoint: "${sts.url}" }
  - model_name: llama-errors
    litellm_params: { model: sagemaker/tgi-llama-endpoint, api_base: "${fake.url}", aws_region_name: eu-west-1, aws_sts_endpoint: "${sts.url}" }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, LOG_LEVEL: "warn" },
    serviceEnv: {
      "provider-worker": {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLE,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
  await sts?.close();
});

describe("a SageMaker endpoint answers in OpenAI's format", () => {
  it("sends the OpenAI body to /invocations, signed with credentials from IRSA", async () => {
    const completion = await client.chat.completions.create({
      model: "llama",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 100,
    });
    assertChatCompletion(completion);
    assert.match(completion.choices[0]?.message.content ?? "", /fake sagemaker upstream\. You said: Hi/);
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/endpoints/tgi-llama-endpoint/invocations");
    assert.equal(sent.headers["x-amz-security-token"], sts.key.sessionToken);
    assert.match(
      String(sent.headers.authorization),
      /Credential=ASIAFAKESTS000000001\/\d{8}\/eu-west-1\/sagemaker\/aws4_request/,
    );
    assert.deepEqual(sent.body, {
      model: "tgi-llama-endpoint",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 100,
    });
    const form = sts.requests.at(-1)!;
    assert.equal(form.get("RoleArn"), ROLE);
    assert.equal(form.get("WebIdentityToken"), "eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.signature");
  });

  it("streams PayloadParts as OpenAI chunks, with usage last, reusing the cached STS credentials", async () => {
    const stream = await client.chat.completions.create({
      model: "llama",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Tell me something, ünïcode included ☀" }],
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      assertChatCompletionChunk(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.match(text, /You said: Tell me something, ünïcode included ☀/);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.total_tokens > 0);
    assert.equal(fake.requests.at(-1)?.path, "/endpoints/tgi-llama-endpoint/invocations-response-stream");
    assert.equal(sts.requests.length, 1, "one AssumeRoleWithWebIdentity for both calls");
  });

  it("forwards tools and returns the container's tool calls", async () => {
    const completion = await client.chat.completions.create({
      model: "llama",
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }],
      tool_choice: "required",
      messages: [{ role: "user", content: "look it up" }],
    });
    assertChatCompletion(completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type === "function" ? call.function.name : undefined, "lookup");
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
  });

  it("maps a container's 4xx behind a ModelError onto the client's 4xx", async () => {
    const original = JSON.stringify({
      error:
        "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. Given: 8100 `inputs` tokens and 256 `max_new_tokens`",
      error_type: "validation",
    });
    fake.script({
      status: 424,
      body: {
        ErrorCode: "CLIENT_ERROR_FROM_MODEL",
        Message: "Received client error (422)",
        OriginalMessage: original,
        OriginalStatusCode: 422,
      },
      headers: { "x-amzn-errortype": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/" },
    });
    await assert.rejects(
      client.chat.completions.create({ model: "llama-errors", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 422 && err.code === "context_length_exceeded",
    );
  });
});
