// The NLP Cloud adapter (`nlp_cloud/<model>`): the generation endpoint for chat (messages joined into one prompt, as
// LiteLLM does), streamed as plain text ending with `[DONE]`, and the embeddings endpoint. Translation in request and
// response; I/O here. NLP Cloud's chatbot endpoint is not used: LiteLLM's nlp_cloud does not call it either.

import { create } from "@bufbuild/protobuf";
import { estimateTextTokens } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson, postStream } from "../http.js";
import { asArray, asObject } from "../json.js";
import { textInputs } from "../rerank.js";
import { estimatedUsage, TextChunks, textCompletion } from "../text-answer.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { EMBEDDINGS_BASE_URL, endpointUrl, GENERATION_BASE_URL, nlpCloudHeaders } from "./api.js";
import { classifyNlpCloudError } from "./errors.js";
import { toEmbeddingsBody, toGenerationRequest } from "./request.js";
import { fromGeneration, readTextStream } from "./response.js";

const post = (ctx: AttemptContext, endpoint: string, base: string, body: unknown) => ({
  url: endpointUrl(ctx.deployment, endpoint, base),
  headers: nlpCloudHeaders(ctx.apiKey),
  body,
  classify: classifyNlpCloudError,
});

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  const generation = toGenerationRequest(request, ctx, false);
  const json = await postJson(ctx, post(ctx, "generation", GENERATION_BASE_URL, generation.body));
  return textCompletion(await fromGeneration(json, ctx.deployment, generation.prompt, generation.maxTokens));
}

/** Streams the generated text; NLP Cloud reports no usage while streaming, so the last chunk's usage is estimated. */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const generation = toGenerationRequest(request, ctx, true);
  const upstream = await postStream(ctx, post(ctx, "generation", GENERATION_BASE_URL, generation.body));
  const chunks = new TextChunks(ctx.deployment.model);
  for await (const piece of readTextStream(upstream.body, ctx.deployment, { fail: upstream.fail })) {
    yield* chunks.text(piece);
  }
  yield* chunks.finish("stop", await estimatedUsage(generation.prompt, chunks.generated));
}

/** `{"sentences": [...]}` in, `{"embeddings": [[...]]}` out; NLP Cloud counts no tokens, so usage is estimated. */
async function embed(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> {
  const texts = textInputs(request, ctx.deployment);
  if (request.dimensions !== undefined) throw unsupportedParam(ctx.deployment, "dimensions");
  const json = await postJson(ctx, post(ctx, "embeddings", EMBEDDINGS_BASE_URL, toEmbeddingsBody(texts)));
  const vectors = asArray(asObject(json)?.embeddings);
  const valid = vectors.every((v) => Array.isArray(v) && v.every((x) => typeof x === "number"));
  if (vectors.length !== texts.length || !valid) {
    throw malformedUpstream(ctx.deployment, "embeddings answer does not have one vector per input");
  }
  const prompt = await estimateTextTokens(texts);
  return create(llm.EmbeddingResponseSchema, {
    model: ctx.deployment.model,
    data: vectors.map((vector, index) => ({ index, vector: vector as number[] })),
    usage: { promptTokens: prompt, totalTokens: prompt, estimated: true },
  });
}

/** The production adapter. */
export const nlpCloudAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "NLP Cloud",
    docs: "https://docs.nlpcloud.com/#generation",
    capabilities: Object.freeze(["chat", "stream", "embeddings"] as const),
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["NLP_CLOUD_API_KEY"], apiBase: ["NLP_CLOUD_API_BASE"] },
  chat,
  streamChat,
  embed,
});
