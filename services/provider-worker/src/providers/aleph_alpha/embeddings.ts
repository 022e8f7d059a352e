// Embeddings through Aleph Alpha's semantic embeddings (https://docs.aleph-alpha.com/api/batch-semantic-embed/):
// `POST {host}/batch_semantic_embed` with `{"model", "prompts", "representation", "compress_to_size"?, "normalize"?}`,
// answered `{"model_version", "embeddings": [[...]], "num_tokens_prompt_total"}`. The API takes at most 100 prompts a
// call (the official client batches the same way), so longer inputs are sent in order, 100 at a time. Prompts are
// sent in the client's multimodal form, `[{"type": "text", "data": "..."}]`.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson } from "../http.js";
import { asArray, asNumber, asObject, type JsonObject } from "../json.js";
import { textInputs } from "../rerank.js";
import type { AttemptContext } from "../types.js";
import { alephAlphaHeaders, batchEmbedUrl } from "./api.js";
import { classifyAlephAlphaError } from "./errors.js";

/** The most prompts one batch_semantic_embed call takes. */
export const MAX_BATCH = 100;
/** The one smaller size Aleph Alpha compresses semantic embeddings to. */
const COMPRESSED_SIZE = 128;

/** The request body of one batch: `representation` from litellm_params (symmetric, document or query). */
export function batchBody(texts: readonly string[], request: llm.EmbeddingRequest, ctx: AttemptContext): JsonObject {
  const params = ctx.deployment.params;
  const body: JsonObject = {
    model: ctx.deployment.model,
    prompts: texts.map((data) => [{ type: "text", data }]),
    representation: typeof params.representation === "string" ? params.representation : "symmetric",
  };
  if (request.dimensions !== undefined) body.compress_to_size = request.dimensions;
  if (typeof params.normalize === "boolean") body.normalize = params.normalize;
  return body;
}

function vectorsOf(json: unknown, count: number, ctx: AttemptContext): [number[][], number] {
  const o = asObject(json);
  const list = asArray(o?.embeddings);
  const valid = list.every((v) => Array.isArray(v) && v.every((x) => typeof x === "number"));
  if (list.length !== count || !valid) {
    throw malformedUpstream(ctx.deployment, "batch_semantic_embed answer does not have one embedding per prompt");
  }
  return [list as number[][], asNumber(o?.num_tokens_prompt_total) ?? 0];
}

export async function alephAlphaEmbed(
  request: llm.EmbeddingRequest,
  ctx: AttemptContext,
): Promise<llm.EmbeddingResponse> {
  const texts = textInputs(request, ctx.deployment);
  if (request.dimensions !== undefined && request.dimensions !== COMPRESSED_SIZE) {
    throw unsupportedParam(ctx.deployment, "dimensions", `other than ${COMPRESSED_SIZE}`);
  }
  const vectors: number[][] = [];
  let tokens = 0;
  for (let i = 0; i < texts.length; i += MAX_BATCH) {
    const batch = texts.slice(i, i + MAX_BATCH);
    const json = await postJson(ctx, {
      url: batchEmbedUrl(ctx.deployment),
      headers: alephAlphaHeaders(ctx.apiKey, false),
      body: batchBody(batch, request, ctx),
      classify: classifyAlephAlphaError,
    });
    const [list, count] = vectorsOf(json, batch.length, ctx);
    vectors.push(...list);
    tokens += count;
  }
  return create(llm.EmbeddingResponseSchema, {
    model: ctx.deployment.model,
    data: vectors.map((vector, index) => ({ index, vector })),
    usage: { promptTokens: tokens, totalTokens: tokens },
  });
}
