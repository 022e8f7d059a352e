// The NVIDIA Triton Inference Server adapter (`triton/<model>`): chat through the generate extension (streamed over
// SSE from `generate_stream`) or, for LiteLLM's `/infer` api_base, through KServe v2 inference; embeddings through
// `/infer`. Messages are rendered into one prompt (text-generation/prompt.ts); Triton reports no token counts, so usage
// is counted with the tokenizer and marked estimated.

import type { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream } from "../http.js";
import { tryParse } from "../json.js";
import { readSse } from "../sse.js";
import { estimatedUsage, replayAnswer, type TextAnswer, TextChunks, textCompletion } from "../text-answer.js";
import { classifyGenerateError, generateStreamError, isErrorEvent } from "../text-generation/errors.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { tritonEndpoints, tritonHeaders } from "./api.js";
import { tritonEmbed } from "./embeddings.js";
import { generateBody, generateOutputOf, inferBody, inferOutputOf, tritonCallOf } from "./generate.js";

/** One non-streamed answer from `/generate` or `/infer`. */
async function answer(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<TextAnswer> {
  const dep = ctx.deployment;
  const endpoints = tritonEndpoints(dep);
  const call = tritonCallOf(request, ctx);
  const infer = endpoints.chatKind === "infer";
  const json = await postJson(ctx, {
    url: infer ? endpoints.infer : endpoints.generate,
    headers: tritonHeaders(ctx.apiKey),
    body: infer ? inferBody(call) : generateBody(call, false),
    classify: classifyGenerateError,
  });
  const out = infer ? inferOutputOf(json, dep) : generateOutputOf(json, dep);
  return {
    model: out.model ?? dep.model,
    text: out.text,
    // Triton's generate answer carries no stop reason.
    finishReason: "stop",
    usage: await estimatedUsage(call.prompt, out.text),
  };
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  return textCompletion(await answer(request, ctx));
}

/**
 * Streams `generate_stream`: each `data:` event's `text_output` is the next piece; an event carrying `error` ends the
 * stream with its classified error. Triton sends no end marker, so a stream that closes cleanly is complete (a reset
 * is UNAVAILABLE). An `/infer` deployment cannot stream: its single answer is replayed as chunks.
 */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const dep = ctx.deployment;
  const endpoints = tritonEndpoints(dep);
  if (endpoints.chatKind === "infer") {
    yield* replayAnswer(await answer(request, ctx));
    return;
  }
  const call = tritonCallOf(request, ctx);
  const upstream = await postStream(ctx, {
    url: endpoints.generateStream,
    headers: { ...tritonHeaders(ctx.apiKey), accept: "text/event-stream" },
    body: generateBody(call, true),
    classify: classifyGenerateError,
  });
  const chunks = new TextChunks(dep.model);
  yield chunks.role();
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => generateStreamError(data, dep),
    tooLarge: () => malformedUpstream(dep, "stream event too large"),
  });
  for await (const event of events) {
    if (!event.data.trim()) continue;
    const json = tryParse(event.data);
    if (json === undefined) throw malformedUpstream(dep, "stream event is not JSON");
    if (isErrorEvent(json)) throw generateStreamError(event.data, dep);
    yield* chunks.text(generateOutputOf(json, dep).text);
  }
  yield* chunks.finish("stop", await estimatedUsage(call.prompt, chunks.generated));
}

/** Calls a self-hosted Triton Inference Server. */
export const tritonAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "NVIDIA Triton Inference Server",
    docs: "https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/protocol/extension_generate.html",
    capabilities: Object.freeze(["chat", "stream", "embeddings"] as const),
  }),
  chat,
  streamChat,
  embed: tritonEmbed,
});
