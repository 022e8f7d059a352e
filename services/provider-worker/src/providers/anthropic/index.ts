// The Anthropic Messages adapter: translation in chat-request/chat-response/chat-stream, I/O here.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { anthropicHeaders, messagesUrl } from "./api.js";
import { toMessagesRequest } from "./chat-request.js";
import { fromMessagesResponse } from "./chat-response.js";
import { ChunkTranslator } from "./chat-stream.js";
import { anthropicStreamError, classifyAnthropicError } from "./errors.js";

function post(request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean) {
  return {
    url: messagesUrl(ctx.deployment),
    headers: anthropicHeaders(ctx.apiKey),
    body: toMessagesRequest(request, ctx.deployment, stream),
    classify: classifyAnthropicError,
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  const json = await postJson(ctx, post(request, ctx, false));
  return fromMessagesResponse(json, nowSeconds(), ctx.deployment);
}

/**
 * Streams a Messages call as OpenAI-shaped chunks. The usage chunk (no choices) is always yielded
 * last; the caller drops it when the client did not ask for usage.
 */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const upstream = await postStream(ctx, post(request, ctx, true));
  const translator = new ChunkTranslator(nowSeconds(), ctx.deployment);
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => anthropicStreamError(data, ctx.deployment),
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  for await (const event of events) {
    yield* translator.translate(event);
    if (translator.finished) return;
  }
  throw malformedUpstream(ctx.deployment, "stream ended before message_stop");
}

/** Calls Anthropic's Messages API (`/v1/messages`, `x-api-key`, `anthropic-version: 2023-06-01`). */
export const anthropicAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Anthropic",
    docs: "https://docs.anthropic.com/en/api/messages",
    capabilities: ["chat", "stream", "tools", "vision", "json"],
  }),
  chat,
  streamChat,
});
