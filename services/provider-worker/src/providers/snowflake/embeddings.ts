// Embeddings through Cortex (specifications/cortex-embed.yaml of the REST API specs, and LiteLLM's snowflake embedding
// transformation): `POST .../api/v2/cortex/inference:embed` with `{"model", "text": [...]}`, answered in OpenAI's list
// shape except that each `embedding` is nested one level (`[[...]]`); `usage` has `total_tokens` only.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { asArray, asNumber, asObject } from "../json.js";
import { textInputs } from "../rerank.js";
import type { AttemptContext } from "../types.js";

/** The exact body of an embed call. */
export function toEmbedBody(request: llm.EmbeddingRequest, ctx: AttemptContext): { model: string; text: string[] } {
  const texts = textInputs(request, ctx.deployment);
  // Cortex's embedding models have fixed sizes (EMBED_TEXT_768 / _1024); there is nothing to shorten with.
  if (request.dimensions !== undefined) throw unsupportedParam(ctx.deployment, "dimensions");
  return { model: ctx.deployment.model, text: texts };
}

/** A vector, unwrapped from Cortex's one-level nesting. */
function vectorOf(value: unknown): number[] | undefined {
  const flat = Array.isArray(value) && Array.isArray(value[0]) ? value[0] : value;
  return Array.isArray(flat) && flat.length > 0 && flat.every((x) => typeof x === "number")
    ? (flat as number[])
    : undefined;
}

/** The canonical answer, in input order (by `index`). */
export function fromEmbedResponse(json: unknown, count: number, ctx: AttemptContext): llm.EmbeddingResponse {
  const o = asObject(json);
  const vectors = new Array<number[] | undefined>(count);
  for (const [i, raw] of asArray(o?.data).entries()) {
    const item = asObject(raw) ?? {};
    const index = asNumber(item.index) ?? i;
    if (index >= 0 && index < count) vectors[index] = vectorOf(item.embedding);
  }
  if (vectors.some((v) => v === undefined) || asArray(o?.data).length !== count) {
    throw malformedUpstream(ctx.deployment, "embed answer does not have one vector per input");
  }
  const tokens = asNumber(asObject(o?.usage)?.total_tokens) ?? 0;
  return create(llm.EmbeddingResponseSchema, {
    model: ctx.deployment.model,
    data: vectors.map((vector, index) => ({ index, vector: vector ?? [] })),
    usage: { promptTokens: tokens, totalTokens: tokens },
  });
}
