// Embeddings through KServe v2 inference on Triton (https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol),
// as LiteLLM's TritonEmbeddingConfig sends them: one BYTES input tensor `input_text` of shape [n] in, an output tensor
// of shape [n, dim] out (its data row-major, flat or nested). Triton counts no tokens: usage is estimated.

import { create } from "@bufbuild/protobuf";
import { estimateTextTokens } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson } from "../http.js";
import { asArray, asNumber, asObject, asString } from "../json.js";
import { classifyGenerateError } from "../text-generation/errors.js";
import type { AttemptContext } from "../types.js";
import { tritonEndpoints, tritonHeaders } from "./api.js";

/** The `/infer` body LiteLLM sends for embeddings. */
export function embedBody(texts: readonly string[]): unknown {
  return { inputs: [{ name: "input_text", shape: [texts.length], datatype: "BYTES", data: [...texts] }] };
}

/** The rows of the first output tensor, which must be [count, dim]. */
export function vectorsOf(json: unknown, count: number, dep: DeploymentRef): number[][] {
  const output = asObject(asArray(asObject(json)?.outputs)[0]);
  const shape = asArray(output?.shape).map((n) => asNumber(n));
  const data = asArray(output?.data).flat(Number.POSITIVE_INFINITY);
  const [rows, dim] = shape;
  const valid =
    shape.length === 2 &&
    rows === count &&
    dim !== undefined &&
    dim > 0 &&
    data.length === rows * dim &&
    data.every((x) => typeof x === "number");
  if (!valid) throw malformedUpstream(dep, "infer answer does not have one vector per input");
  return Array.from({ length: count }, (_, i) => (data as number[]).slice(i * dim, (i + 1) * dim));
}

/** Embeds the request's texts with the deployment's model. */
export async function tritonEmbed(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse> {
  const dep = ctx.deployment;
  if (request.tokenInputs.length > 0) throw unsupportedParam(dep, "input", "as token ids");
  if (request.dimensions !== undefined) throw unsupportedParam(dep, "dimensions");
  const json = await postJson(ctx, {
    url: tritonEndpoints(dep).infer,
    headers: tritonHeaders(ctx.apiKey),
    body: embedBody(request.texts),
    classify: classifyGenerateError,
  });
  const vectors = vectorsOf(json, request.texts.length, dep);
  const prompt = await estimateTextTokens(request.texts);
  return create(llm.EmbeddingResponseSchema, {
    model: asString(asObject(json)?.model_name) ?? dep.model,
    data: vectors.map((vector, index) => ({ index, vector })),
    usage: { promptTokens: prompt, totalTokens: prompt, estimated: true },
  });
}
