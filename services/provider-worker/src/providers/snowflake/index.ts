// The Snowflake Cortex adapter (`snowflake/<model>`: llama3.1-70b, mistral-large2, claude-3-5-sonnet ...): the Cortex
// REST API's `inference:complete` for chat (SSE streams, tools, JSON mode) and `inference:embed` for embeddings, with
// a ready token or a key-pair JWT the adapter signs itself. Translation in chat-request and chat-response; token
// handling in auth and jwt; I/O here.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import { estimatedChatUsage } from "../text-answer.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { postUnary } from "./answer.js";
import { completeUrl, type Env, embedUrl, snowflakeHeaders } from "./api.js";
import { tokenOf } from "./auth.js";
import { toSnowflakeRequest } from "./chat-request.js";
import { foldChunks, fromSnowflakeResponse, SnowflakeStream } from "./chat-response.js";
import { fromEmbedResponse, toEmbedBody } from "./embeddings.js";
import { classifySnowflakeError, snowflakeStreamError } from "./errors.js";
import { createKeyPairTokens } from "./jwt.js";

/** How the adapter reads its surroundings; every field has a production default. */
export interface SnowflakeOptions {
  /** Read at every call (SNOWFLAKE_ACCOUNT_ID, SNOWFLAKE_USER ...); default process.env. */
  readonly env?: Env;
  /** The clock that decides whether a signed JWT is fresh; default Date.now. */
  readonly now?: () => number;
}

export function createSnowflakeAdapter(options: SnowflakeOptions = {}): ProviderAdapter {
  const tokens = createKeyPairTokens(options.now);
  const env = () => options.env ?? process.env;

  const post = async (ctx: AttemptContext, url: string, body: unknown, stream: boolean): Promise<UpstreamPost> => {
    const { token, type } = await tokenOf(ctx, tokens, env());
    return { url, headers: snowflakeHeaders(token, type, stream), body, classify: classifySnowflakeError };
  };

  /** Reads a stream's events into chunks, closing with the finish_reason and the usage. */
  async function* translate(
    events: AsyncIterable<{ data: string }> | Iterable<{ data: string }>,
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const stream = new SnowflakeStream(ctx.deployment);
    for await (const event of events) yield* stream.translate(event.data);
    yield* stream.finish(stream.reportedUsage ? undefined : await estimatedChatUsage(request, stream.generated));
  }

  async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
    const body = toSnowflakeRequest(request, ctx, false);
    const answer = await postUnary(ctx, await post(ctx, completeUrl(ctx.deployment, env()), body, false));
    if ("json" in answer) {
      const completion = fromSnowflakeResponse(answer.json, ctx.deployment);
      if (!completion.usage) {
        const texts = completion.choices.flatMap((c) => [
          c.message?.content ?? "",
          ...(c.message?.toolCalls ?? []).map((t) => `${t.function?.name ?? ""}${t.function?.arguments ?? ""}`),
        ]);
        completion.usage = await estimatedChatUsage(request, texts);
      }
      return completion;
    }
    const chunks: llm.ChatCompletionChunk[] = [];
    for await (const chunk of translate(
      answer.events.map((data) => ({ data })),
      request,
      ctx,
    ))
      chunks.push(chunk);
    return foldChunks(chunks, ctx.deployment);
  }

  /**
   * Streams `inference:complete`. Cortex ends a stream by closing the body (no `[DONE]`), with usage on its last event;
   * an error event fails the attempt, and a stream that reports no usage gets an estimated one.
   */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const body = toSnowflakeRequest(request, ctx, true);
    const upstream = await postStream(ctx, await post(ctx, completeUrl(ctx.deployment, env()), body, true));
    const events = readSse(upstream.body, {
      fail: upstream.fail,
      errorEvent: (data) => snowflakeStreamError(data, ctx.deployment),
      tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
    });
    yield* translate(events, request, ctx);
  }

  async function embed(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> {
    const body = toEmbedBody(request, ctx);
    const json = await postJson(ctx, await post(ctx, embedUrl(ctx.deployment, env()), body, false));
    return fromEmbedResponse(json, body.text.length, ctx);
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "Snowflake Cortex",
      docs: "https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-rest-api",
      capabilities: Object.freeze(["chat", "stream", "tools", "json", "embeddings"] as const),
    }),
    // LiteLLM reads these when a deployment sets no api_key / api_base.
    env: { apiKey: ["SNOWFLAKE_JWT"], apiBase: ["SNOWFLAKE_API_BASE"] },
    chat,
    streamChat,
    embed,
  });
}

/** The production adapter: process.env and the system clock. */
export const snowflakeAdapter: ProviderAdapter = createSnowflakeAdapter();
