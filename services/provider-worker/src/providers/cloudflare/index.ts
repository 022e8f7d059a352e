// The Cloudflare Workers AI adapter (`cloudflare/@cf/<vendor>/<model>`): the native `/ai/run/{model}` route with SSE
// streaming. Translation in chat-request and chat-response; I/O here.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { cloudflareHeaders, type Env, runUrl } from "./api.js";
import { toCloudflareRequest } from "./chat-request.js";
import { CloudflareChunkTranslator, fromCloudflareResponse } from "./chat-response.js";
import { classifyCloudflareError, cloudflareBodyError } from "./errors.js";

/** How the adapter reads its surroundings. */
export interface CloudflareOptions {
  /** Read at every call (CLOUDFLARE_ACCOUNT_ID); default process.env. */
  readonly env?: Env;
}

export function createCloudflareAdapter(options: CloudflareOptions = {}): ProviderAdapter {
  const post = (request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): UpstreamPost => ({
    url: runUrl(ctx.deployment, options.env ?? process.env),
    headers: cloudflareHeaders(ctx.apiKey),
    body: toCloudflareRequest(request, ctx, stream),
    classify: classifyCloudflareError,
  });

  const chat = async (request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> =>
    fromCloudflareResponse(
      await postJson(ctx, post(request, ctx, false)),
      ctx.deployment,
      ctx.deployment.model,
      request,
    );

  /** Streams until `data: [DONE]`; a stream that ends before it is UNAVAILABLE. */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const upstream = await postStream(ctx, post(request, ctx, true));
    const translator = new CloudflareChunkTranslator(ctx.deployment, ctx.deployment.model, request);
    const events = readSse(upstream.body, {
      fail: upstream.fail,
      errorEvent: (data) => cloudflareBodyError(data, ctx.deployment),
      tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
    });
    for await (const event of events) {
      if (event.data === "[DONE]") {
        yield* await translator.finish();
        return;
      }
      if (event.data.trim()) yield* translator.translate(event.data);
    }
    throw malformedUpstream(ctx.deployment, "stream ended before [DONE]");
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "Cloudflare Workers AI",
      docs: "https://developers.cloudflare.com/api/resources/ai/methods/run/",
      capabilities: Object.freeze(["chat", "stream"] as const),
    }),
    // LiteLLM reads these when a deployment sets no api_key / api_base.
    env: { apiKey: ["CLOUDFLARE_API_KEY"], apiBase: ["CLOUDFLARE_API_BASE"] },
    chat,
    streamChat,
  });
}

/** The production adapter, reading process.env. */
export const cloudflareAdapter: ProviderAdapter = createCloudflareAdapter();
