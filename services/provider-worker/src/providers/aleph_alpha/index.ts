// The Aleph Alpha adapter (`aleph_alpha/<model>`: luminous-base, luminous-extended, luminous-supreme and their
// `-control` versions): `/complete` for chat (messages rendered into one prompt, as LiteLLM does) and for OpenAI's
// legacy completions, SSE streaming, and semantic embeddings. Translation in request and response; I/O here.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import { textCompletion } from "../text-answer.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { alephAlphaHeaders, completeUrl } from "./api.js";
import { alephAlphaEmbed } from "./embeddings.js";
import { alephAlphaStreamError, classifyAlephAlphaError } from "./errors.js";
import { toCompleteRequest, toCompletionBody } from "./request.js";
import { AlephAlphaCompletionStream, AlephAlphaStream, fromComplete, toCompletion } from "./response.js";

const post = (ctx: AttemptContext, body: unknown, stream: boolean): UpstreamPost => ({
  url: completeUrl(ctx.deployment),
  headers: alephAlphaHeaders(ctx.apiKey, stream),
  body,
  classify: classifyAlephAlphaError,
});

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  const complete = toCompleteRequest(request, ctx, false);
  const json = await postJson(ctx, post(ctx, complete.body, false));
  return textCompletion(await fromComplete(json, ctx.deployment, complete.prompt));
}

/** Reads a streamed `/complete` with `stream` until its completion_summary; a stream cut before it is UNAVAILABLE. */
async function* readCompleteStream<Chunk>(
  ctx: AttemptContext,
  body: unknown,
  stream: { readonly done: boolean; translate(data: string): Promise<Chunk[]> },
): AsyncGenerator<Chunk> {
  const upstream = await postStream(ctx, post(ctx, body, true));
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => alephAlphaStreamError(data, ctx.deployment),
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  for await (const event of events) {
    yield* await stream.translate(event.data);
    if (stream.done) return;
  }
  throw malformedUpstream(ctx.deployment, "stream ended before its completion_summary");
}

function streamChat(request: llm.ChatCompletionRequest, ctx: AttemptContext): AsyncGenerator<llm.ChatCompletionChunk> {
  const complete = toCompleteRequest(request, ctx, true);
  return readCompleteStream(ctx, complete.body, new AlephAlphaStream(ctx.deployment, complete.prompt));
}

/** OpenAI's streamed legacy completions from the same `/complete` stream. */
function streamCompletion(request: llm.CompletionRequest, ctx: AttemptContext): AsyncGenerator<llm.Completion> {
  const complete = toCompletionBody(request, ctx, true);
  return readCompleteStream(ctx, complete.body, new AlephAlphaCompletionStream(ctx.deployment, complete.prompt));
}

async function complete(request: llm.CompletionRequest, ctx: AttemptContext): Promise<llm.Completion> {
  const body = toCompletionBody(request, ctx, false);
  const json = await postJson(ctx, post(ctx, body.body, false));
  return toCompletion(json, ctx.deployment, body.prompt);
}

/** The production adapter. */
export const alephAlphaAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Aleph Alpha",
    docs: "https://docs.aleph-alpha.com/api/complete/",
    capabilities: Object.freeze(["chat", "stream", "embeddings", "completions"] as const),
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["ALEPH_ALPHA_API_KEY", "ALEPHALPHA_API_KEY"], apiBase: ["ALEPH_ALPHA_API_BASE"] },
  chat,
  streamChat,
  embed: alephAlphaEmbed,
  complete,
  streamComplete: streamCompletion,
});
