// The Cohere v2 Chat adapter (`cohere/<model>` and `cohere_chat/<model>`): translation in chat-request, messages,
// chat-response and chat-stream; I/O here.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { chatUrl, cohereHeaders } from "./api.js";
import { toCohereChatRequest } from "./chat-request.js";
import { fromCohereResponse } from "./chat-response.js";
import { CohereChunkTranslator } from "./chat-stream.js";
import { classifyCohereError, cohereStreamError } from "./errors.js";
import { cohereRerank } from "./rerank.js";

function post(request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): UpstreamPost {
  return {
    url: chatUrl(ctx.deployment),
    headers: cohereHeaders(ctx.apiKey, stream),
    body: toCohereChatRequest(request, ctx.deployment, stream),
    classify: classifyCohereError,
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  const json = await postJson(ctx, post(request, ctx, false));
  return fromCohereResponse(json, nowSeconds(), ctx.deployment.model, ctx.deployment);
}

/**
 * Streams a chat as OpenAI-shaped chunks. The usage chunk (no choices) is always yielded last; the caller drops it
 * when the client did not ask for usage. The stream ends at `message-end` (Cohere's `data: [DONE]` after it is not
 * waited for); one that ends before it is UNAVAILABLE.
 */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const upstream = await postStream(ctx, post(request, ctx, true));
  const translator = new CohereChunkTranslator(nowSeconds(), ctx.deployment.model, ctx.deployment);
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => cohereStreamError(data, ctx.deployment),
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  for await (const event of events) {
    if (event.data === "[DONE]") break;
    yield* translator.translate(event);
    if (translator.finished) return;
  }
  throw malformedUpstream(ctx.deployment, "stream ended before message-end");
}

/** Calls Cohere's v2 Chat API (`/v2/chat`, Bearer key). */
export const cohereAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Cohere",
    docs: "https://docs.cohere.com/reference/chat",
    capabilities: ["chat", "stream", "tools", "vision", "json", "rerank"],
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base (litellm/main.py, cohere branch).
  env: { apiKey: ["COHERE_API_KEY", "CO_API_KEY"], apiBase: ["COHERE_API_BASE"] },
  chat,
  streamChat,
  rerank: cohereRerank,
});
