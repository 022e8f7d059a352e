// The OpenAI adapter, for api.openai.com and every OpenAI-compatible server (vLLM, Ollama, Groq...).

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { asObject, tryParse } from "../json.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { chatCompletionsUrl, openaiHeaders } from "./api.js";
import { toChatCompletionsRequest } from "./chat-request.js";
import { chunkOfFrame, DONE, parseChatCompletion } from "./chat-response.js";
import { classifyOpenAIError, openAIStreamError } from "./errors.js";

function post(request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): UpstreamPost {
  return {
    url: chatCompletionsUrl(ctx.deployment),
    headers: openaiHeaders(ctx.deployment, ctx.apiKey),
    body: toChatCompletionsRequest(request, ctx.deployment, stream),
    classify: classifyOpenAIError,
  };
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  return parseChatCompletion(await postJson(ctx, post(request, ctx, false)));
}

/**
 * Streams chunks as the upstream sends them until `data: [DONE]`. The upstream is always asked for
 * usage, and its usage chunk (no choices) is always yielded; the caller drops it when the client did
 * not set `stream_options.include_usage`. A compatible server that ignores stream_options sends no
 * usage chunk, and then none is yielded. A stream that ends without `[DONE]` is accepted only when a
 * finish_reason was seen (some compatible servers omit the sentinel), else it is UNAVAILABLE.
 */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const upstream = await postStream(ctx, post(request, ctx, true));
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => openAIStreamError(asObject(tryParse(data)) ?? {}, ctx.deployment),
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  let finished = false;
  for await (const event of events) {
    if (event.data === DONE) return;
    const chunk = chunkOfFrame(event.data, ctx.deployment);
    finished ||= chunk.choices.some((c) => !!c.finishReason);
    yield chunk;
  }
  if (!finished) throw malformedUpstream(ctx.deployment, "stream ended before [DONE]");
}

/** Calls OpenAI's `/chat/completions` with a Bearer key, optionally an organization. */
export const openaiAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "OpenAI",
    docs: "https://platform.openai.com/docs/api-reference/chat",
    capabilities: ["chat", "stream", "tools", "vision", "json"],
  }),
  chat,
  streamChat,
});
