import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Mesh, startMesh } from "@switchyard/launcher";
import type OpenAI from "openai";
import { type ReadChatStream, readChatStream } from "../conformance.js";
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from "../fakes/index.js";

/** The master key every end-to-end test uses. */
export const MASTER_KEY = "sk-e2e-master-key-0123456789";
export const OPENAI_KEY = "sk-fake-openai";
export const ANTHROPIC_KEY = "sk-fake-anthropic";

/** A running mesh with its fake upstreams. */
export interface Gateway {
  mesh: Mesh;
  /** Serves `gpt-4o`, `tools-model` and the `primary` group. */
  openai: FakeUpstream;
  /** Serves the `backup` group (the fallback of `primary`). */
  backup: FakeUpstream;
  /** Serves the `breaker` group. */
  flaky: FakeUpstream;
  anthropic: FakeUpstream;
  baseURL: string;
  stop(): Promise<void>;
}

function config(openai: string, backup: string, flaky: string, anthropic: string): string {
  return `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: "${openai}/v1", api_key: os.environ/E2E_OPENAI_KEY }
  - model_name: primary
    litellm_params: { model: openai/primary-model, api_base: "${openai}/v1", api_key: os.environ/E2E_OPENAI_KEY }
  - model_name: backup
    litellm_params: { model: openai/backup-model, api_base: "${backup}/v1", api_key: os.environ/E2E_OPENAI_KEY }
  - model_name: breaker
    litellm_params: { model: openai/breaker-model, api_base: "${flaky}/v1", api_key: os.environ/E2E_OPENAI_KEY }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropic}", api_key: os.environ/E2E_ANTHROPIC_KEY }
  - model_name: mock-fast
    litellm_params: { model: mock/fast, mock_chunks: 5 }
  - model_name: mock-slow
    litellm_params: { model: mock/slow, mock_chunks: 10, mock_latency_ms: 100 }
router_settings:
  num_retries: 0
  timeout: 5
  allowed_fails: 4
  cooldown_time: 120
  fallbacks:
    - primary: [backup]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;
}

/** Starts fake upstreams and the whole mesh as real processes. */
export async function startGateway(): Promise<Gateway> {
  const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  const backup = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  const flaky = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  const anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  const dir = mkdtempSync(join(tmpdir(), "switchyard-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config(openai.url, backup.url, flaky.url, anthropic.url));
  const mesh = await startMesh({
    configPath,
    env: {
      SWITCHYARD_MASTER_KEY: MASTER_KEY,
      E2E_OPENAI_KEY: OPENAI_KEY,
      E2E_ANTHROPIC_KEY: ANTHROPIC_KEY,
      LOG_LEVEL: "warn",
    },
  });
  return {
    mesh,
    openai,
    backup,
    flaky,
    anthropic,
    baseURL: `${mesh.restUrl}/v1`,
    async stop() {
      await mesh.stop();
      await Promise.all([openai.close(), backup.close(), flaky.close(), anthropic.close()]);
    },
  };
}

/**
 * Streams "Tell me something" from `model` with usage asked for, and checks what every fake upstream answers: its echo
 * of the prompt, finish_reason "stop" and a usage chunk with both counts. Every chunk is checked against OpenAI's spec.
 */
export async function streamTellMeSomething(client: OpenAI, model: string): Promise<ReadChatStream> {
  const stream = await client.chat.completions.create({
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "Tell me something" }],
  });
  const read = await readChatStream(stream);
  assert.match(read.text, /You said: Tell me something/);
  assert.equal(read.finish, "stop");
  assert.ok(read.usage && read.usage.prompt_tokens > 0 && read.usage.completion_tokens > 0);
  return read;
}
