// The mesh of resilience.spec.ts: one fake upstream per deployment, model groups wired with every fallback kind, and
// router settings small enough (num_retries 2, allowed_fails 4, cooldown_time 2 s) to watch retries and a breaker's
// whole lifecycle within seconds.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from "../fakes/index.js";
import { ANTHROPIC_KEY, MASTER_KEY, OPENAI_KEY } from "./setup.js";

/** Error bodies as the providers send them (the provider worker's recorded fixtures say the same). */
export const openaiError = (
  message: string,
  type: string | null,
  code: string | null,
  param: string | null = null,
) => ({
  error: { message, type, param, code },
});
export const SERVER_ERROR = openaiError("The server had an error while processing your request.", "server_error", null);
export const BAD_PARAM = openaiError(
  "Invalid value for 'top_logprobs'",
  "invalid_request_error",
  "invalid_value",
  "top_logprobs",
);
export const CONTEXT_LENGTH = openaiError(
  "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens.",
  "invalid_request_error",
  "context_length_exceeded",
  "messages",
);
export const CONTENT_POLICY = openaiError(
  "Your request was rejected as a result of our safety system.",
  "invalid_request_error",
  "content_policy_violation",
);
/** Azure OpenAI's prompt filter. */
export const AZURE_FILTER = openaiError(
  "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
  null,
  "content_filter",
  "prompt",
);
export const anthropicError = (type: string, message: string) => ({ type: "error", error: { type, message } });

/**
 * One fake upstream per deployment; deployment ids are the fake names. Breakers are per deployment while
 * allowed_fails is global, so tests do not share a deployment they fail: a deployment that sees 5xx stays below
 * allowed_fails failures in the window, or is not used again (the breaker test is the one that opens its breaker).
 */
const OPENAI_FAKES = [
  "fbMain",
  "rlMain",
  "fbNext",
  "mMain",
  "mFb",
  "mCw",
  "mCp",
  "sSmall",
  "xSmall",
  "xLarge",
  "sAlone",
  "r1",
  "r2",
  "rh1",
  "ra1",
  "ra2",
  "rl1",
  "rl2",
  "n1",
  "n2",
  "bu1",
  "bk",
] as const;
export type FakeName = (typeof OPENAI_FAKES)[number] | "aMain";

/** Small enough for the pre-send check to refuse a long prompt, large enough for a short one. */
const SMALL_WINDOW = 40;
export const LONG_PROMPT = "please summarise this: ".concat("lorem ipsum dolor sit amet ".repeat(60));
const COOLDOWN_S = 2;
export const ALLOWED_FAILS = 4;
export const NUM_RETRIES = 2;

function config(url: (name: FakeName) => string): string {
  const openai = (group: string, fake: FakeName, info = "") =>
    `  - model_name: ${group}
    litellm_params: { model: openai/${fake}, api_base: "${url(fake)}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: ${fake}${info} }`;
  const small = `, max_input_tokens: ${SMALL_WINDOW}`;
  return `
model_list:
${[
  openai("fb", "fbMain"),
  openai("fb-rl", "rlMain"),
  openai("fb-next", "fbNext"),
  openai("multi", "mMain"),
  openai("multi-fb", "mFb"),
  openai("multi-cw", "mCw"),
  openai("multi-cp", "mCp"),
  `  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${url("aMain")}", api_key: os.environ/E2E_ANTHROPIC_KEY }
    model_info: { id: aMain }`,
  openai("small", "sSmall", small),
  openai("mixed", "xSmall", small),
  openai("mixed", "xLarge", ", max_input_tokens: 100000"),
  openai("small-alone", "sAlone", small),
  openai("retry", "r1"),
  openai("retry-ok", "r2"),
  openai("retry-header", "rh1"),
  openai("retry-after", "ra1"),
  openai("retry-after", "ra2"),
  openai("retry-long", "rl1"),
  openai("retry-long", "rl2"),
  openai("no-retry", "n1"),
  openai("no-retry", "n2"),
  openai("budget", "bu1"),
  openai("breaker", "bk"),
].join("\n")}
router_settings:
  num_retries: ${NUM_RETRIES}
  timeout: 20
  allowed_fails: ${ALLOWED_FAILS}
  cooldown_time: ${COOLDOWN_S}
  fallbacks:
    - fb: [fb-next]
    - fb-rl: [fb-next]
    - multi: [multi-fb]
    - claude: [multi-fb]
    - small-alone: [fb-next]
    - retry-long: [fb-next]
  context_window_fallbacks:
    - multi: [multi-cw]
    - claude: [multi-cw]
    - small: [multi-cw]
  content_policy_fallbacks:
    - multi: [multi-cp]
    - claude: [multi-cp]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;
}

/** A non-streamed answer: its status, error or completion, the deployment that served it and the attempts made. */
export interface Answer {
  status: number;
  json: { error?: { message: string; code?: string | null; type?: string | null }; choices?: unknown[] };
  deployment: string | null;
  attempts: number;
}

/** A streamed answer: its status, the deployment that served it and the whole event stream. */
export interface StreamAnswer {
  status: number;
  deployment: string | null;
  text: string;
}

/** A breaker's state as `GET /health/deployments` names it. */
export type BreakerState = "closed" | "open" | "half-open";

/** The running mesh, its fakes, and requests against it. */
export interface ResilienceGateway {
  readonly mesh: Mesh;
  fake(name: FakeName): FakeUpstream;
  /** Sends a non-streamed chat completion for `model`. */
  ask(model: string, content?: string): Promise<Answer>;
  /** Sends a streamed chat completion for `model` and reads it to the end. */
  askStream(model: string): Promise<StreamAnswer>;
  /** Counts the calls each named fake receives from now on. */
  watch(...names: FakeName[]): () => Record<string, number>;
  /** Queues the same reply `times` times on one fake. */
  scriptTimes(
    name: FakeName,
    times: number,
    reply: { status: number; body: unknown },
    headers?: Record<string, string>,
  ): void;
  /** The breaker of a deployment, as the router reports it (no upstream call). */
  breakerOf(id: string): Promise<BreakerState>;
  /** Waits, polling `breakerOf`, until the breaker is in `state`; fails after `withinMs`. */
  breakerBecomes(id: string, state: BreakerState, withinMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Milliseconds between consecutive calls (in the order the fakes received them). */
export function gaps(calls: readonly { receivedAt: number }[]): number[] {
  const times = calls.map((c) => c.receivedAt).sort((a, b) => a - b);
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

async function chat(mesh: Mesh, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${mesh.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function breakerOf(mesh: Mesh, id: string): Promise<BreakerState> {
  const res = await fetch(`${mesh.restUrl}/health/deployments`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  const body = (await res.json()) as { deployments: { id: string; breaker: BreakerState }[] };
  const found = body.deployments.find((d) => d.id === id);
  if (!found) throw new Error(`expected deployment ${id} in /health/deployments`);
  return found.breaker;
}

/** Starts the fakes and the mesh as real processes. */
export async function startResilienceGateway(): Promise<ResilienceGateway> {
  const fakes = new Map<FakeName, FakeUpstream>();
  for (const name of OPENAI_FAKES) fakes.set(name, await startFakeOpenAI({ apiKey: OPENAI_KEY }));
  fakes.set("aMain", await startFakeAnthropic({ apiKey: ANTHROPIC_KEY }));
  const fake = (name: FakeName): FakeUpstream => {
    const found = fakes.get(name);
    if (!found) throw new Error(`expected a fake named ${name}`);
    return found;
  };
  const dir = mkdtempSync(join(tmpdir(), "switchyard-resilience-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    config((name) => fake(name).url),
  );
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
    fake,
    async ask(model, content = "hello") {
      const res = await chat(mesh, { model, messages: [{ role: "user", content }] });
      return {
        status: res.status,
        json: (await res.json()) as Answer["json"],
        deployment: res.headers.get("x-switchyard-deployment"),
        attempts: Number(res.headers.get("x-switchyard-attempts")),
      };
    },
    async askStream(model) {
      const res = await chat(mesh, { model, stream: true, messages: [{ role: "user", content: "hello" }] });
      return { status: res.status, deployment: res.headers.get("x-switchyard-deployment"), text: await res.text() };
    },
    watch(...names) {
      const start = new Map(names.map((n) => [n, fake(n).requests.length]));
      return () => Object.fromEntries(names.map((n) => [n, fake(n).requests.length - (start.get(n) ?? 0)]));
    },
    scriptTimes(name, times, reply, headers = {}) {
      for (let i = 0; i < times; i++) fake(name).script({ ...reply, headers });
    },
    breakerOf: (id) => breakerOf(mesh, id),
    async breakerBecomes(id, state, withinMs = 15_000) {
      const deadline = Date.now() + withinMs;
      let now = await breakerOf(mesh, id);
      while (now !== state && Date.now() < deadline) {
        await sleep(50);
        now = await breakerOf(mesh, id);
      }
      assert.equal(now, state, `breaker of ${id}`);
    },
    async stop() {
      await mesh.stop();
      await Promise.all([...fakes.values()].map((f) => f.close()));
    },
  };
}
