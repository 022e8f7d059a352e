// Embeddings through Hugging Face feature-extraction
// (https://huggingface.co/docs/inference-providers/tasks/feature-extraction): `{"inputs": [texts]}` in, one float
// array per input out. The answer carries no token counts: the gateway estimates them.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson } from "../http.js";
import { openaiHeaders } from "../openai/api.js";
import { classifyOpenAIError } from "../openai/errors.js";
import type { AttemptContext } from "../types.js";
import { featureExtractionUrl } from "./api.js";

/** A vector, or a model without pooling's per-token vectors averaged into one. */
function vectorOf(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.every((x) => typeof x === "number")) return value as number[];
  const rows = value.map(vectorOf);
  if (rows.some((r) => r === undefined || r.length !== rows[0]?.length)) return undefined;
  const out = new Array<number>(rows[0]?.length ?? 0).fill(0);
  for (const row of rows as number[][])
    for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + (row[i] ?? 0) / rows.length;
  return out;
}

export async function huggingfaceEmbed(
  request: llm.EmbeddingRequest,
  ctx: AttemptContext,
): Promise<llm.EmbeddingResponse> {
  const dep = ctx.deployment;
  if (request.tokenInputs.length > 0) throw unsupportedParam(dep, "input", "as token ids");
  if (request.dimensions !== undefined) throw unsupportedParam(dep, "dimensions");
  const json = await postJson(ctx, {
    url: featureExtractionUrl(dep),
    headers: openaiHeaders({}, ctx.apiKey),
    body: { inputs: [...request.texts] },
    classify: classifyOpenAIError,
  });
  const vectors = Array.isArray(json) ? json.map(vectorOf) : [];
  if (vectors.length !== request.texts.length || vectors.some((v) => v === undefined)) {
    throw malformedUpstream(dep, "feature-extraction answer does not have one vector per input");
  }
  return create(llm.EmbeddingResponseSchema, {
    model: dep.model,
    data: vectors.map((vector, index) => ({ index, vector })),
  });
}
