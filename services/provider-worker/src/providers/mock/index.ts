// The built-in mock provider: deterministic answers with no network, for the offline quickstart,
// benchmarks and fault tests. Settings are `mock_*` params of the deployment (see params.ts).

import { createHash } from "node:crypto";
import { setTimeout as sleepFor } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { estimateTextTokens } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { abortError, type DeploymentRef } from "../errors.js";
import { classifyOpenAIError } from "../openai/errors.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { mockAnswer, streamDeltas, toCompletion } from "./answer.js";
import { type MockParams, mockParams } from "./params.js";

/** Waits `ms` (no timer at all for 0) and throws CANCELLED or TIMEOUT when the signal aborts. */
async function pause(ms: number, signal: AbortSignal, dep: DeploymentRef): Promise<void> {
  if (signal.aborted) throw abortError(dep, signal.reason);
  if (ms <= 0) return;
  try {
    await sleepFor(ms, undefined, { signal });
  } catch {
    throw abortError(dep, signal.reason);
  }
}

/** The failure a `mock_failure_rate` draw produced, classified as a real upstream's would be. */
function maybeFail(params: MockParams, dep: DeploymentRef): GatewayError | undefined {
  if (params.failureRate <= 0 || Math.random() >= params.failureRate) return undefined;
  const status = params.failureStatus;
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  const body = JSON.stringify({ error: { message: `mock failure (HTTP ${status})`, type, param: null, code: null } });
  const headers = status === 429 || status === 503 ? { "retry-after": "1" } : {};
  return classifyOpenAIError({ status, headers, body, provider: dep.provider, deploymentId: dep.id });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  const params = mockParams(ctx.deployment.params);
  await pause(params.latencyMs, ctx.signal, ctx.deployment);
  const failure = maybeFail(params, ctx.deployment);
  if (failure) throw failure;
  const answer = mockAnswer(request, params);
  return toCompletion(answer, `chatcmpl-mock-${ctx.requestId}`, nowSeconds(), ctx.deployment.model);
}

/**
 * Streams the same answer `chat` gives: `mock_ttft_ms` before the first chunk, `mock_chunks` content
 * chunks `mock_latency_ms` apart, then a finish chunk and a
 * usage chunk with no choices (always yielded; the caller drops it when the client did not ask).
 */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const params = mockParams(ctx.deployment.params);
  await pause(params.ttftMs, ctx.signal, ctx.deployment);
  const failure = maybeFail(params, ctx.deployment);
  if (failure) throw failure;
  const answer = mockAnswer(request, params);
  const base = { id: `chatcmpl-mock-${ctx.requestId}`, created: nowSeconds(), model: ctx.deployment.model };
  const deltas = streamDeltas(answer, params.chunks);
  for (const [i, delta] of deltas.entries()) {
    if (i > 1) await pause(params.latencyMs, ctx.signal, ctx.deployment);
    yield create(llm.ChatCompletionChunkSchema, { ...base, choices: [{ index: 0, delta }] });
  }
  await pause(0, ctx.signal, ctx.deployment);
  yield create(llm.ChatCompletionChunkSchema, {
    ...base,
    choices: [{ index: 0, delta: {}, finishReason: answer.finishReason }],
  });
  yield create(llm.ChatCompletionChunkSchema, { ...base, choices: [], usage: answer.usage });
}

/** The size of a mock embedding when the request asks for no `dimensions`. */
const MOCK_DIMENSIONS = 8;

/**
 * One deterministic unit vector per input, from a hash of its text (or token ids): the same input always embeds the
 * same way. Usage counts the input with the tokenizer, as a provider would.
 */
async function embed(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> {
  const params = mockParams(ctx.deployment.params);
  await pause(params.latencyMs, ctx.signal, ctx.deployment);
  const failure = maybeFail(params, ctx.deployment);
  if (failure) throw failure;
  const inputs = request.texts.length > 0 ? request.texts : request.tokenInputs.map((t) => t.ids.join(" "));
  const size = request.dimensions ?? MOCK_DIMENSIONS;
  const data = inputs.map((text, index) => {
    const digest = createHash("sha256").update(text).digest();
    const raw = Array.from({ length: size }, (_, i) => (digest[i % digest.length] as number) / 255 - 0.5 + i * 1e-3);
    const norm = Math.hypot(...raw) || 1;
    return create(llm.EmbeddingSchema, { index, vector: raw.map((x) => x / norm) });
  });
  const prompt =
    request.texts.length > 0
      ? await estimateTextTokens(request.texts)
      : request.tokenInputs.reduce((n, t) => n + t.ids.length, 0);
  return create(llm.EmbeddingResponseSchema, {
    model: ctx.deployment.model,
    data,
    usage: { promptTokens: prompt, totalTokens: prompt },
  });
}

/** The deterministic offline provider. */
export const mockAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Mock (built in)",
    docs: "#the-mock-provider",
    capabilities: ["chat", "stream", "embeddings"],
  }),
  chat,
  streamChat,
  embed,
});
