// The Predibase adapter (`predibase/<deployment>`): a deployment's LoRAX `generate` / `generate_stream` API with the
// messages rendered into one prompt, fine-tuned LoRA adapters chosen with `adapter_id`. Translation in chat-request and
// chat-response; I/O here.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import { TextChunks, textCompletion } from "../text-answer.js";
import { generateStreamError } from "../text-generation/errors.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { type Env, generateUrl, predibaseHeaders } from "./api.js";
import { type PredibaseCall, toPredibaseRequest } from "./chat-request.js";
import { fromPredibaseResponse, PredibaseStream } from "./chat-response.js";
import { classifyPredibaseError } from "./errors.js";

/** How the adapter reads its surroundings. */
export interface PredibaseOptions {
  /** Read at every call (PREDIBASE_TENANT_ID); default process.env. */
  readonly env?: Env;
}

export function createPredibaseAdapter(options: PredibaseOptions = {}): ProviderAdapter {
  const env = () => options.env ?? process.env;

  const post = (call: PredibaseCall, ctx: AttemptContext, stream: boolean): UpstreamPost => ({
    url: generateUrl(ctx.deployment, env(), stream),
    headers: {
      ...predibaseHeaders(ctx.deployment, ctx.apiKey),
      accept: stream ? "text/event-stream" : "application/json",
    },
    body: call.body,
    classify: classifyPredibaseError,
  });

  const chat = async (request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> => {
    const call = toPredibaseRequest(request, ctx);
    const json = await postJson(ctx, post(call, ctx, false));
    return textCompletion(await fromPredibaseResponse(json, call.prompt, ctx.deployment));
  };

  /** Streams `generate_stream`; a stream that ends before its `details` event is UNAVAILABLE. */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const dep = ctx.deployment;
    const call = toPredibaseRequest(request, ctx);
    const upstream = await postStream(ctx, post(call, ctx, true));
    const chunks = new TextChunks(dep.model);
    const translator = new PredibaseStream(chunks, call.prompt, dep);
    yield chunks.role();
    const events = readSse(upstream.body, {
      fail: upstream.fail,
      errorEvent: (data) => generateStreamError(data, dep),
      tooLarge: () => malformedUpstream(dep, "stream event too large"),
    });
    for await (const event of events) {
      yield* await translator.translate(event.data);
      if (translator.finished) return;
    }
    throw malformedUpstream(dep, "stream ended before its details");
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "Predibase",
      docs: "https://docs.predibase.com/api",
      capabilities: Object.freeze(["chat", "stream", "json"] as const),
    }),
    // LiteLLM reads these when a deployment sets no api_key / api_base.
    env: { apiKey: ["PREDIBASE_API_KEY"], apiBase: ["PREDIBASE_API_BASE"] },
    chat,
    streamChat,
  });
}

/** The production adapter: process.env. */
export const predibaseAdapter: ProviderAdapter = createPredibaseAdapter();
