// Pieces every rerank adapter shares: the Cohere-style request body that Cohere, Jina AI and Infinity take, the
// reading of a ranked list (`results` or Voyage's `data`) into the canonical answer, a generic classifier for
// `{"detail": ...}` (FastAPI) and `{"message": ...}` error bodies, and the chat refusal of rerank/embeddings-only
// providers.
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { documentText, embeddingRequestToJson, parseEmbeddingResponse } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  malformedUpstream,
  unsupportedParam,
  upstreamError,
} from "./errors.js";
import { postJson } from "./http.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "./json.js";
import type { AttemptContext } from "./types.js";

/** Fields of a rerank request the canonical request models, never taken from extra_json. */
const MODELLED = new Set(["model", "query", "documents", "top_n", "top_k", "return_documents"]);

/** The extra_json fields of a request, merged under the ones the adapter set. */
export function withExtra(body: JsonObject, extraJson: string): JsonObject {
  const extra = asObject(tryParse(extraJson || "{}")) ?? {};
  for (const [key, value] of Object.entries(extra)) {
    if (!MODELLED.has(key) && !(key in body) && key !== "__proto__") body[key] = value;
  }
  return body;
}

/** `{model, query, documents, top_n?, return_documents?}`: the body Cohere, Jina AI and Infinity take. */
export function cohereStyleRerankBody(request: llm.RerankRequest, model: string): JsonObject {
  const body: JsonObject = { model, query: request.query, documents: request.documents.map(documentText) };
  if (request.topN !== undefined) body.top_n = request.topN;
  return body;
}

/** What a provider's answer holds besides its ranked list. */
export interface RankedAnswer {
  readonly list: unknown;
  readonly id?: string | undefined;
  readonly model?: string | undefined;
  readonly searchUnits?: number | undefined;
  readonly tokens?: number | undefined;
}

/**
 * The canonical ranking from a provider's ranked list (`[{index, relevance_score}]`), most relevant first. Documents
 * are attached from the request when it asked for them, whatever the provider returned, so every provider answers
 * alike; a result naming no document of the request is a malformed (retryable) answer.
 */
export function rankedResponse(
  answer: RankedAnswer,
  request: llm.RerankRequest,
  dep: Pick<Deployment, "provider" | "id" | "model">,
  requestId: string,
): llm.RerankResponse {
  const results = asArray(answer.list).map((raw, i) => {
    const item = asObject(raw);
    const index = asNumber(item?.index);
    const score = asNumber(item?.relevance_score);
    const doc = index === undefined ? undefined : request.documents[index];
    if (!doc || !Number.isInteger(index) || score === undefined) {
      throw malformedUpstream(dep, `result ${i} has no valid index and relevance_score`);
    }
    return create(llm.RerankResultSchema, {
      index,
      relevanceScore: score,
      ...(request.returnDocuments ? { document: doc } : {}),
    });
  });
  results.sort((a, b) => b.relevanceScore - a.relevanceScore);
  return create(llm.RerankResponseSchema, {
    id: answer.id || requestId,
    results: request.topN === undefined ? results : results.slice(0, request.topN),
    searchUnits: answer.searchUnits ?? 0,
    model: answer.model || dep.model,
    ...(answer.tokens === undefined
      ? {}
      : { usage: create(llm.UsageSchema, { promptTokens: answer.tokens, totalTokens: answer.tokens }) }),
  });
}

/** The message of a `{"detail": "..."}`, `{"detail": [{"msg": ...}]}`, `{"message": ...}` or OpenAI error body. */
function messageOf(body: string): string | undefined {
  const json = asObject(tryParse(body));
  if (!json) return undefined;
  const detail = json.detail;
  if (typeof detail === "string") return detail;
  const first = asObject(asArray(detail)[0]);
  if (first) return asString(first.msg);
  return asString(json.message) ?? asString(asObject(json.error)?.message) ?? asString(json.error);
}

/** How these APIs word an input over the model's limit. */
const TOO_LONG = /too (long|many tokens)|context length|maximum.*tokens/i;

/** Classifies an error of a rerank/embeddings API by its status, keeping the provider's message for 4xx. */
export const classifyDetailError: ErrorClassifier = (failure) => {
  const message = messageOf(failure.body);
  const cls = classOfStatus(failure.status);
  const contextual = cls === llm.ErrorClass.INVALID_REQUEST && TOO_LONG.test(message ?? "");
  return upstreamError(
    failure,
    { message, ...(contextual ? { code: "context_length_exceeded" } : {}) },
    contextual ? llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED : cls,
  );
};

/** The 400 of a chat request to a provider that does not chat (rerank or embeddings only). */
export function noChat(dep: DeploymentRef, hint = ""): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.INVALID_REQUEST,
    message: `${dep.provider} does not support chat completions${hint ? `; ${hint}` : ""}`,
    param: "model",
    code: "unsupported_operation",
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

/** chat and streamChat for an adapter without chat: both refuse with noChat's 400. */
export function refusingChat(hint = "") {
  return {
    chat: async (
      _request: llm.ChatCompletionRequest,
      ctx: { deployment: DeploymentRef },
    ): Promise<llm.ChatCompletion> => {
      throw noChat(ctx.deployment, hint);
    },
    // biome-ignore lint/correctness/useYield: refuses before the first chunk
    streamChat: async function* (
      _request: llm.ChatCompletionRequest,
      ctx: { deployment: DeploymentRef },
    ): AsyncGenerator<llm.ChatCompletionChunk> {
      throw noChat(ctx.deployment, hint);
    },
  };
}

/** Refuses token-id inputs, which embeddings APIs other than OpenAI's do not take. */
export function textInputs(request: llm.EmbeddingRequest, dep: DeploymentRef): string[] {
  if (request.tokenInputs.length > 0) throw unsupportedParam(dep, "input", "as token ids; send text");
  return [...request.texts];
}

/** The base URL of a deployment: its `api_base` (trailing slashes cut), else the provider's public one. */
export function baseOf(ctx: AttemptContext, fallback: string | undefined): string {
  const base = (ctx.deployment.apiBase || fallback || "").replace(/\/+$/, "");
  if (!base) {
    throw new GatewayError({
      class: llm.ErrorClass.INTERNAL,
      message: `deployment "${ctx.deployment.id}" (${ctx.deployment.provider}) needs an api_base`,
      deploymentId: ctx.deployment.id,
    });
  }
  return base;
}

/** `Authorization: Bearer <key>` when there is a key. */
export function bearerHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** `POST {url}` with OpenAI's embeddings body (text inputs only), answered in OpenAI's shape (Jina AI, Infinity). */
export async function openAIShapedEmbed(
  url: string,
  request: llm.EmbeddingRequest,
  ctx: AttemptContext,
): Promise<llm.EmbeddingResponse> {
  textInputs(request, ctx.deployment);
  const body = embeddingRequestToJson(request, ctx.deployment.model);
  delete body.user;
  const json = await postJson(ctx, { url, headers: bearerHeaders(ctx.apiKey), body, classify: classifyDetailError });
  return parseEmbeddingResponse(json);
}

/**
 * `POST {url}` with the Cohere-style rerank body (documents are attached by the gateway, so none are asked back),
 * answered with `{results: [{index, relevance_score}], usage: {total_tokens}}` (Jina AI, Infinity).
 */
export async function cohereShapedRerank(
  url: string,
  request: llm.RerankRequest,
  ctx: AttemptContext,
): Promise<llm.RerankResponse> {
  const body = withExtra(
    { ...cohereStyleRerankBody(request, ctx.deployment.model), return_documents: false },
    request.extraJson,
  );
  const json = asObject(
    await postJson(ctx, { url, headers: bearerHeaders(ctx.apiKey), body, classify: classifyDetailError }),
  );
  const usage = asObject(json?.usage);
  return rankedResponse(
    {
      list: json?.results,
      id: asString(json?.id),
      model: asString(json?.model),
      tokens: asNumber(usage?.total_tokens) ?? asNumber(usage?.prompt_tokens),
    },
    request,
    ctx.deployment,
    ctx.requestId,
  );
}
