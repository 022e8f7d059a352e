// The IBM watsonx.ai adapter (`watsonx/<model_id>`, `watsonx/deployment/<id>`): the chat API with an IAM bearer token
// minted from the deployment's API key. Translation in chat-request and chat-response; token exchange in iam; I/O here.

import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { chatUrl, type Env, iamUrlOf } from "./api.js";
import { toWatsonxChatRequest } from "./chat-request.js";
import { chunksOfFrame, fromWatsonxResponse } from "./chat-response.js";
import { classifyWatsonxError, watsonxStreamError } from "./errors.js";
import { createIamTokens, DEFAULT_IAM_URL } from "./iam.js";

/** How the adapter reads its surroundings; every field has a production default. */
export interface WatsonxOptions {
  /** Read at every call (WATSONX_PROJECT_ID, WATSONX_IAM_URL ...); default process.env. */
  readonly env?: Env;
  /** The IAM token endpoint when WATSONX_IAM_URL is unset; default IBM Cloud's. */
  readonly iamUrl?: string;
  /** The clock that decides whether a cached token is fresh; default Date.now. */
  readonly now?: () => number;
}

export function createWatsonxAdapter(options: WatsonxOptions = {}): ProviderAdapter {
  const tokens = createIamTokens(options.now);
  const env = () => options.env ?? process.env;

  /** A ready token (`token` / WATSONX_TOKEN credential) is used as is; an API key is exchanged at IAM. */
  const authorization = async (ctx: AttemptContext): Promise<string> => {
    const ready = ctx.credentials?.token;
    if (ready) return `Bearer ${ready}`;
    if (!ctx.apiKey) {
      throw new GatewayError({
        class: llm.ErrorClass.AUTH,
        message: `deployment "${ctx.deployment.id}" (watsonx) has no api_key (WATSONX_APIKEY) or token (WATSONX_TOKEN)`,
        provider: ctx.deployment.provider,
        deploymentId: ctx.deployment.id,
      });
    }
    return `Bearer ${await tokens.token(ctx, iamUrlOf(env(), options.iamUrl ?? DEFAULT_IAM_URL), ctx.apiKey)}`;
  };

  const post = async (
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
    stream: boolean,
  ): Promise<UpstreamPost> => {
    const body = toWatsonxChatRequest(request, ctx, env());
    return {
      url: chatUrl(ctx.deployment, stream),
      headers: { authorization: await authorization(ctx), accept: stream ? "text/event-stream" : "application/json" },
      body,
      classify: (failure) => {
        const err = classifyWatsonxError(failure);
        // A refused IAM token is not reused: the next attempt exchanges the key again.
        if (err.errorClass === llm.ErrorClass.AUTH && ctx.apiKey && !ctx.credentials?.token) {
          tokens.forget(iamUrlOf(env(), options.iamUrl ?? DEFAULT_IAM_URL), ctx.apiKey);
        }
        return err;
      },
    };
  };

  const chat = async (request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> =>
    fromWatsonxResponse(await postJson(ctx, await post(request, ctx, false)), ctx.deployment);

  /**
   * Streams `/text/chat_stream`. watsonx sends no `[DONE]`: a stream that ends after a finish_reason is complete, one
   * that ends before is UNAVAILABLE. The usage watsonx puts on its last chunk is yielded as a chunk of its own.
   */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const upstream = await postStream(ctx, await post(request, ctx, true));
    const events = readSse(upstream.body, {
      fail: upstream.fail,
      errorEvent: (data) => watsonxStreamError(data, ctx.deployment),
      tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
    });
    let finished = false;
    for await (const event of events) {
      if (event.data === "[DONE]") break;
      if (!event.data.trim()) continue;
      for (const chunk of chunksOfFrame(event.data, ctx.deployment)) {
        finished ||= chunk.choices.some((c) => !!c.finishReason);
        yield chunk;
      }
    }
    if (!finished) throw malformedUpstream(ctx.deployment, "stream ended before a finish_reason");
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "IBM watsonx.ai",
      docs: "https://cloud.ibm.com/apidocs/watsonx-ai#text-chat",
      capabilities: Object.freeze(["chat", "stream", "tools", "vision", "json"] as const),
    }),
    // LiteLLM reads these when a deployment sets no api_key / api_base.
    env: {
      apiKey: ["WATSONX_APIKEY", "WATSONX_API_KEY", "WX_API_KEY"],
      apiBase: ["WATSONX_URL", "WATSONX_API_BASE", "WX_URL"],
    },
    chat,
    streamChat,
  });
}

/** The production adapter: process.env and IBM Cloud's IAM. */
export const watsonxAdapter: ProviderAdapter = createWatsonxAdapter();
