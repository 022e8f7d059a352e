// The Ollama adapter (`ollama/<model>` and `ollama_chat/<model>`): Ollama's native `/api/chat` with NDJSON streaming,
// and `/api/embed`. Translation in chat-request and chat-response; I/O here.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { asArray, asNumber, asObject, asString } from "../json.js";
import { readNdjson } from "../ndjson.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { chatUrl, embedUrl, ollamaHeaders } from "./api.js";
import { toOllamaChatRequest } from "./chat-request.js";
import { fromOllamaResponse, OllamaChunkTranslator } from "./chat-response.js";
import { classifyOllamaError } from "./errors.js";

function post(request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): UpstreamPost {
  return {
    url: chatUrl(ctx.deployment),
    headers: ollamaHeaders(ctx.apiKey),
    body: toOllamaChatRequest(request, ctx, stream),
    classify: classifyOllamaError,
  };
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  return fromOllamaResponse(await postJson(ctx, post(request, ctx, false)), ctx.deployment);
}

/**
 * Streams a chat as OpenAI-shaped chunks, the usage chunk last (from the `done: true` line). A stream that ends before
 * that line is UNAVAILABLE.
 */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const upstream = await postStream(ctx, post(request, ctx, true));
  const translator = new OllamaChunkTranslator(ctx.deployment);
  const lines = readNdjson(upstream.body, {
    fail: upstream.fail,
    tooLarge: () => malformedUpstream(ctx.deployment, "stream line too large"),
  });
  for await (const line of lines) {
    yield* translator.translate(line);
    if (translator.finished) return;
  }
  throw malformedUpstream(ctx.deployment, "stream ended before done");
}

/** `POST /api/embed` with `{model, input}`: one vector per input, and `prompt_eval_count` as usage. */
async function embed(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> {
  if (request.tokenInputs.length > 0) throw unsupportedParam(ctx.deployment, "input", "as token ids");
  const body = {
    model: ctx.deployment.model,
    input: [...request.texts],
    ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
  };
  const json = asObject(
    await postJson(ctx, {
      url: embedUrl(ctx.deployment),
      headers: ollamaHeaders(ctx.apiKey),
      body,
      classify: classifyOllamaError,
    }),
  );
  const vectors = asArray(json?.embeddings);
  if (!json || vectors.length !== request.texts.length || !vectors.every(Array.isArray)) {
    throw malformedUpstream(ctx.deployment, "embed response does not have one vector per input");
  }
  const prompt = asNumber(json.prompt_eval_count) ?? 0;
  return create(llm.EmbeddingResponseSchema, {
    model: asString(json.model) ?? ctx.deployment.model,
    data: vectors.map((v, index) => ({ index, vector: (v as unknown[]).map(Number) })),
    usage: { promptTokens: prompt, totalTokens: prompt },
  });
}

/** Calls a local or remote Ollama server. */
export const ollamaAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Ollama",
    docs: "https://github.com/ollama/ollama/blob/main/docs/api.md",
    capabilities: ["chat", "stream", "tools", "vision", "json", "embeddings"],
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["OLLAMA_API_KEY"], apiBase: ["OLLAMA_API_BASE"] },
  chat,
  streamChat,
  embed,
});
