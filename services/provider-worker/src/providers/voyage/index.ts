// Voyage AI (`voyage/<model>`): embeddings at `POST https://api.voyageai.com/v1/embeddings` and rerank at
// `POST https://api.voyageai.com/v1/rerank`, Bearer key, in Voyage's own shapes
// (https://docs.voyageai.com/reference/embeddings-api, https://docs.voyageai.com/reference/reranker-api). Voyage has
// no chat API: chat is refused with a 400.
import { create } from "@bufbuild/protobuf";
import { documentText } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { postJson } from "../http.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../json.js";
import {
  baseOf,
  bearerHeaders,
  classifyDetailError,
  rankedResponse,
  refusingChat,
  textInputs,
  withExtra,
} from "../rerank.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";

/** The public API; `api_base` overrides it. */
export const DEFAULT_BASE_URL = "https://api.voyageai.com/v1";

/**
 * `{input, model, output_dimension?}` plus Voyage's own fields from the request (`input_type`, `truncation`,
 * `output_dtype` ...); `user` and `encoding_format` are not Voyage's and are not sent (vectors come back as floats).
 */
export function toVoyageEmbeddingRequest(request: llm.EmbeddingRequest, ctx: AttemptContext): JsonObject {
  const body: JsonObject = { input: textInputs(request, ctx.deployment), model: ctx.deployment.model };
  if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
  return withExtra(body, request.extraJson);
}

/** Voyage's `{data: [{embedding, index}], model, usage: {total_tokens}}`; its tokens are all prompt tokens. */
export function fromVoyageEmbeddings(json: unknown, ctx: AttemptContext): llm.EmbeddingResponse {
  const body = asObject(json);
  const data = asArray(body?.data).map((raw, i) => {
    const item = asObject(raw);
    const vector = asArray(item?.embedding);
    if (!vector.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw malformedUpstream(ctx.deployment, `data[${i}].embedding: expected an array of numbers`);
    }
    return create(llm.EmbeddingSchema, { index: asNumber(item?.index) ?? i, vector: vector as number[] });
  });
  const tokens = asNumber(asObject(body?.usage)?.total_tokens);
  return create(llm.EmbeddingResponseSchema, {
    model: asString(body?.model) ?? ctx.deployment.model,
    data,
    ...(tokens === undefined ? {} : { usage: create(llm.UsageSchema, { promptTokens: tokens, totalTokens: tokens }) }),
  });
}

/** `{query, documents, model, top_k?, return_documents: false}` plus Voyage's own fields (`truncation`). */
export function toVoyageRerankRequest(request: llm.RerankRequest, ctx: AttemptContext): JsonObject {
  const body: JsonObject = {
    query: request.query,
    documents: request.documents.map(documentText),
    model: ctx.deployment.model,
    return_documents: false,
  };
  if (request.topN !== undefined) body.top_k = request.topN;
  return withExtra(body, request.extraJson);
}

async function embed(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> {
  const json = await postJson(ctx, {
    url: `${baseOf(ctx, DEFAULT_BASE_URL)}/embeddings`,
    headers: bearerHeaders(ctx.apiKey),
    body: toVoyageEmbeddingRequest(request, ctx),
    classify: classifyDetailError,
  });
  return fromVoyageEmbeddings(json, ctx);
}

async function rerank(request: llm.RerankRequest, ctx: AttemptContext): Promise<llm.RerankResponse> {
  const json = asObject(
    await postJson(ctx, {
      url: `${baseOf(ctx, DEFAULT_BASE_URL)}/rerank`,
      headers: bearerHeaders(ctx.apiKey),
      body: toVoyageRerankRequest(request, ctx),
      classify: classifyDetailError,
    }),
  );
  return rankedResponse(
    { list: json?.data, model: asString(json?.model), tokens: asNumber(asObject(json?.usage)?.total_tokens) },
    request,
    ctx.deployment,
    ctx.requestId,
  );
}

/** Calls Voyage AI's embeddings and rerank APIs. */
export const voyageAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Voyage AI",
    docs: "https://docs.voyageai.com/reference/embeddings-api",
    capabilities: ["embeddings", "rerank"],
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["VOYAGE_API_KEY"], apiBase: ["VOYAGE_API_BASE"] },
  ...refusingChat("Voyage AI serves embeddings and rerank only"),
  embed,
  rerank,
});
