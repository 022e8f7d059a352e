// The I/O of a Gemini generateContent call, shared by the Gemini API and Vertex AI adapters, which differ only
// in the URL and the credential they send.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext } from "../types.js";
import { fromGenerateContentResponse } from "./chat-response.js";
import { GeminiChunkTranslator } from "./chat-stream.js";

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** POSTs a GenerateContentRequest to `:generateContent` and translates the answer. */
export async function generateContent(ctx: AttemptContext, post: UpstreamPost): Promise<llm.ChatCompletion> {
  return fromGenerateContentResponse(await postJson(ctx, post), nowSeconds(), ctx.deployment);
}

/**
 * POSTs to `:streamGenerateContent?alt=sse` and yields OpenAI-shaped chunks, the usage chunk (no choices) last;
 * the caller drops it when the client did not ask for usage. A body that ends before any candidate finished is
 * UNAVAILABLE.
 */
export async function* streamGenerateContent(
  ctx: AttemptContext,
  post: UpstreamPost,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const upstream = await postStream(ctx, post);
  const translator = new GeminiChunkTranslator(nowSeconds(), ctx.deployment);
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  for await (const event of events) yield* translator.translate(event.data);
  yield* translator.end();
}
