// The OpenAI adapter, for api.openai.com and every OpenAI-compatible server (vLLM, Ollama, Groq...).

import { create } from "@bufbuild/protobuf";
import {
  completionRequestToJson,
  embeddingRequestToJson,
  parseCompletionResponse,
  parseEmbeddingResponse,
} from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { asObject, type JsonObject, tryParse } from "../json.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import {
  chatCompletionsUrl,
  completionsUrl,
  DEFAULT_BASE_URL,
  embeddingsUrl,
  type KeyHeader,
  openaiHeaders,
} from "./api.js";
import { toChatCompletionsRequest } from "./chat-request.js";
import { chunkOfFrame, DONE, parseChatCompletion } from "./chat-response.js";
import { classifyOpenAIError, openAIStreamError } from "./errors.js";
import { openAIMediaMethods } from "./media.js";

/** What sets one OpenAI-compatible provider apart from OpenAI itself. */
export interface OpenAICompatible {
  readonly info: ProviderInfo;
  /** The public base URL (with its version path); undefined when every deployment must set `api_base`. */
  readonly baseUrl: string | undefined;
  /** How the key is sent; `Authorization: Bearer` by default. */
  readonly keyHeader?: KeyHeader;
  /**
   * Request fields (as in OpenAI's body) the provider rejects: refused with a 400 naming the provider and the field,
   * or left out under `drop_params`.
   */
  readonly unsupported?: readonly string[];
  /** Environment variables LiteLLM reads for this provider when a deployment sets no `api_key` / `api_base`. */
  readonly env?: { readonly apiKey?: readonly string[]; readonly apiBase?: readonly string[] };
  /**
   * Adjusts the default request before it is sent, for a provider whose URL, auth or error bodies are not OpenAI's
   * (Azure's deployment path, `api-key` header and Entra ID tokens); may be async.
   */
  readonly prepare?: (
    post: UpstreamPost,
    ctx: AttemptContext,
    operation: "chat" | "embeddings" | "completions",
  ) => UpstreamPost | Promise<UpstreamPost>;
  /** The provider serves OpenAI's `/embeddings` too. */
  readonly embeddings?: boolean;
  /** The provider serves OpenAI's legacy text `/completions` too. */
  readonly completions?: boolean;
  /** The provider serves OpenAI's `/audio/transcriptions` too. */
  readonly transcription?: boolean;
  /** The provider serves OpenAI's `/audio/speech` too. */
  readonly speech?: boolean;
  /** The provider serves OpenAI's `/images/generations` and `/images/variations` too. */
  readonly images?: boolean;
}

/** Applies the provider's unsupported fields to `body`: a 400, or silently left out under `drop_params`. */
function withoutUnsupported(body: JsonObject, provider: OpenAICompatible, ctx: AttemptContext): JsonObject {
  for (const field of provider.unsupported ?? []) {
    if (!(field in body)) continue;
    if (ctx.deployment.params.drop_params !== true) throw unsupportedParam(ctx.deployment, field);
    delete body[field];
  }
  return body;
}

/** Creates the adapter of an OpenAI-compatible provider: OpenAI's wire format at its own base URL and auth. */
export function createOpenAIAdapter(provider: OpenAICompatible): ProviderAdapter {
  const requireBase = (ctx: AttemptContext) => {
    if (!ctx.deployment.apiBase && !provider.baseUrl) {
      throw new GatewayError({
        class: llm.ErrorClass.INTERNAL,
        message: `deployment "${ctx.deployment.id}" (${ctx.deployment.provider}) needs an api_base`,
        deploymentId: ctx.deployment.id,
      });
    }
  };
  const post = (request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): UpstreamPost => {
    requireBase(ctx);
    const body = toChatCompletionsRequest(request, ctx.deployment, stream);
    return {
      url: chatCompletionsUrl(ctx.deployment, provider.baseUrl),
      headers: openaiHeaders(ctx.deployment, ctx.apiKey, provider.keyHeader),
      body: withoutUnsupported(body, provider, ctx),
      classify: classifyOpenAIError,
    };
  };

  const send = async (request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean) => {
    const base = post(request, ctx, stream);
    return provider.prepare ? provider.prepare(base, ctx, "chat") : base;
  };

  /** `POST {api_base}/embeddings`, for providers that serve OpenAI's embeddings endpoint. */
  const embed = async (request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> => {
    requireBase(ctx);
    const base: UpstreamPost = {
      url: embeddingsUrl(ctx.deployment, provider.baseUrl),
      headers: openaiHeaders(ctx.deployment, ctx.apiKey, provider.keyHeader),
      body: embeddingRequestToJson(request, ctx.deployment.model),
      classify: classifyOpenAIError,
    };
    const prepared = provider.prepare ? await provider.prepare(base, ctx, "embeddings") : base;
    return parseEmbeddingResponse(await postJson(ctx, prepared));
  };

  /** `POST {api_base}/completions`, for providers that serve OpenAI's legacy text completions. */
  const complete = async (request: llm.CompletionRequest, ctx: AttemptContext): Promise<llm.Completion> => {
    requireBase(ctx);
    const body = withoutUnsupported(completionRequestToJson(request, ctx.deployment.model), provider, ctx);
    const base: UpstreamPost = {
      url: completionsUrl(ctx.deployment, provider.baseUrl),
      headers: openaiHeaders(ctx.deployment, ctx.apiKey, provider.keyHeader),
      body,
      classify: classifyOpenAIError,
    };
    const prepared = provider.prepare ? await provider.prepare(base, ctx, "completions") : base;
    return parseCompletionResponse(await postJson(ctx, prepared));
  };

  /**
   * `POST {api_base}/completions` with `stream: true`: OpenAI's `text_completion` chunks until `data: [DONE]`, the
   * usage chunk (always asked for) last. Ending without `[DONE]` is accepted only after a finish_reason, as for chat.
   */
  async function* streamComplete(request: llm.CompletionRequest, ctx: AttemptContext): AsyncGenerator<llm.Completion> {
    requireBase(ctx);
    const streamed = request.stream ? request : create(llm.CompletionRequestSchema, { ...request, stream: true });
    const body = withoutUnsupported(completionRequestToJson(streamed, ctx.deployment.model), provider, ctx);
    const base: UpstreamPost = {
      url: completionsUrl(ctx.deployment, provider.baseUrl),
      headers: openaiHeaders(ctx.deployment, ctx.apiKey, provider.keyHeader),
      body,
      classify: classifyOpenAIError,
    };
    const upstream = await postStream(ctx, provider.prepare ? await provider.prepare(base, ctx, "completions") : base);
    const events = readSse(upstream.body, {
      fail: upstream.fail,
      errorEvent: (data) => openAIStreamError(asObject(tryParse(data)) ?? {}, ctx.deployment),
      tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
    });
    let finished = false;
    for await (const event of events) {
      if (event.data === DONE) return;
      const frame = asObject(tryParse(event.data));
      if (!frame) throw malformedUpstream(ctx.deployment, "stream frame is not a JSON object");
      if (frame.error !== undefined && frame.error !== null) throw openAIStreamError(frame, ctx.deployment);
      const chunk = parseCompletionResponse(frame);
      finished ||= chunk.choices.some((c) => !!c.finishReason);
      yield chunk;
    }
    if (!finished) throw malformedUpstream(ctx.deployment, "stream ended before [DONE]");
  }

  const chat = async (request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> =>
    parseChatCompletion(await postJson(ctx, await send(request, ctx, false)));

  /**
   * Streams chunks as the upstream sends them until `data: [DONE]`. The upstream is always asked for usage, and its
   * usage chunk (no choices) is always yielded; the caller drops it when the client did not set
   * `stream_options.include_usage`. A compatible server that ignores stream_options sends no usage chunk, and then
   * none is yielded. A stream that ends without `[DONE]` is accepted only when a finish_reason was seen (some
   * compatible servers omit the sentinel), else it is UNAVAILABLE.
   */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const upstream = await postStream(ctx, await send(request, ctx, true));
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

  const capabilities = [...provider.info.capabilities];
  if (provider.embeddings && !capabilities.includes("embeddings")) capabilities.push("embeddings");
  if (provider.completions && !capabilities.includes("completions")) capabilities.push("completions");
  for (const cap of ["transcription", "speech", "images"] as const) {
    if (provider[cap] && !capabilities.includes(cap)) capabilities.push(cap);
  }
  return Object.freeze({
    info: Object.freeze({ ...provider.info, capabilities: Object.freeze(capabilities) }),
    ...(provider.env ? { env: provider.env } : {}),
    chat,
    streamChat,
    ...(provider.embeddings ? { embed } : {}),
    ...(provider.completions ? { complete, streamComplete } : {}),
    ...openAIMediaMethods(provider, provider.baseUrl, provider.keyHeader),
  });
}

/** Calls OpenAI's `/chat/completions` with a Bearer key, optionally an organization. */
export const openaiAdapter: ProviderAdapter = createOpenAIAdapter({
  info: {
    name: "OpenAI",
    docs: "https://platform.openai.com/docs/api-reference/chat",
    capabilities: ["chat", "stream", "tools", "vision", "json"],
  },
  baseUrl: DEFAULT_BASE_URL,
  env: { apiKey: ["OPENAI_API_KEY"], apiBase: ["OPENAI_BASE_URL", "OPENAI_API_BASE"] },
  embeddings: true,
  completions: true,
  transcription: true,
  speech: true,
  images: true,
});
