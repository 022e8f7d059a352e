// OpenAI's embeddings wire format (https://platform.openai.com/docs/api-reference/embeddings) <-> the canonical
// switchyard.llm.v1 embeddings messages: the client's request, the upstream body and answer, and the client's answer.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { clientFields as f, upstreamFields as u } from "./fields.js";
import { findHazard, isObject, itemPath, type JsonObject, mergeExtra, restOf, toExtraJson } from "./json.js";
import { parseFallbacks, parseMetadata } from "./request-parse.js";

/** OpenAI's limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;
const MAX_DIMENSIONS = 65_536;
const TOKEN_ID_MAX = 2 ** 32 - 1;

/** The request fields the canonical request models; every other one travels in extra_json. */
const MODELLED: ReadonlySet<string> = new Set([
  "model",
  "input",
  "dimensions",
  "encoding_format",
  "user",
  "metadata",
  "fallbacks",
]);

/** Validates an OpenAI embeddings request body; throws only GatewayError naming the field. */
export function parseEmbeddingRequest(body: unknown): llm.EmbeddingRequest {
  try {
    if (!isObject(body)) throw invalidRequest("request body: expected a JSON object");
    const hazard = findHazard(body);
    if (hazard !== undefined) throw invalidRequest(`${hazard.path}: ${hazard.problem}`, hazard.path);
    const model = f.requiredString(body, "model", "");
    if (model === "") throw f.fail("model", "required");
    const format = f.string(body, "encoding_format", "") ?? "float";
    if (format !== "float" && format !== "base64") throw f.fail("encoding_format", 'expected "float" or "base64"');
    return create(llm.EmbeddingRequestSchema, {
      model,
      ...parseInput(body),
      dimensions: f.integer(body, "dimensions", "", 1, MAX_DIMENSIONS),
      encodingFormat: format,
      user: f.string(body, "user", "") ?? "",
      ...parseMetadata(body),
      fallbacks: parseFallbacks(body),
      extraJson: toExtraJson(restOf(body, MODELLED)),
    });
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message: "invalid request body" }, { cause: err });
  }
}

function isTokenId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= TOKEN_ID_MAX;
}

/** `input`: a string, an array of strings, an array of token ids, or an array of such arrays. */
function parseInput(body: JsonObject): Pick<llm.EmbeddingRequest, "texts" | "tokenInputs"> {
  const input = body["input"];
  if (input === undefined || input === null) throw f.fail("input", "required");
  if (typeof input === "string") {
    if (input === "") throw f.fail("input", "expected a non-empty string");
    return { texts: [input], tokenInputs: [] };
  }
  if (!Array.isArray(input)) throw f.fail("input", "expected a string, an array of strings or an array of token ids");
  if (input.length === 0) throw f.fail("input", "expected at least one input");
  if (input.every(isTokenId)) return { texts: [], tokenInputs: [create(llm.TokenIdsSchema, { ids: input })] };
  if (input.length > MAX_EMBEDDING_INPUTS) throw f.fail("input", `expected at most ${MAX_EMBEDDING_INPUTS} inputs`);
  if (typeof input[0] === "string") {
    return {
      texts: input.map((text, i) => {
        if (typeof text !== "string" || text === "") throw f.fail(itemPath("input", i), "expected a non-empty string");
        return text;
      }),
      tokenInputs: [],
    };
  }
  return {
    texts: [],
    tokenInputs: input.map((ids, i) => {
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every(isTokenId)) {
        throw f.fail(itemPath("input", i), "expected a non-empty array of token ids");
      }
      return create(llm.TokenIdsSchema, { ids });
    }),
  };
}

/** The exact body sent to an OpenAI-compatible `/embeddings`, with the deployment's upstream model. */
export function embeddingRequestToJson(req: llm.EmbeddingRequest, model: string): JsonObject {
  const body: JsonObject = {
    model,
    input: req.texts.length > 0 ? [...req.texts] : req.tokenInputs.map((t) => [...t.ids]),
    // The gateway always reads floats; it encodes base64 itself when the client asked for it.
    encoding_format: "float",
  };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  if (req.user) body.user = req.user;
  mergeExtra(body, req.extraJson, MODELLED);
  return body;
}

/** Reads an upstream's OpenAI-shaped embeddings answer; a malformed one is UNAVAILABLE (retryable). */
export function parseEmbeddingResponse(json: unknown): llm.EmbeddingResponse {
  const body = u.item(json, "response");
  const data = u.array(body, "data", "") ?? [];
  const usage = u.object(body, "usage", "");
  const prompt = usage ? (u.integer(usage, "prompt_tokens", "usage", 0, Number.MAX_SAFE_INTEGER) ?? 0) : 0;
  return create(llm.EmbeddingResponseSchema, {
    model: u.string(body, "model", "") ?? "",
    data: data.map((raw, i) => {
      const item = u.item(raw, itemPath("data", i));
      const index = u.integer(item, "index", itemPath("data", i), 0, MAX_EMBEDDING_INPUTS * 64) ?? i;
      return create(llm.EmbeddingSchema, { index, vector: vectorOf(item["embedding"], itemPath("data", i)) });
    }),
    ...(usage
      ? {
          usage: create(llm.UsageSchema, {
            promptTokens: prompt,
            totalTokens: u.integer(usage, "total_tokens", "usage", 0, Number.MAX_SAFE_INTEGER) ?? prompt,
          }),
        }
      : {}),
  });
}

/** An embedding as floats, or as OpenAI's base64 of little-endian float32s. */
function vectorOf(value: unknown, path: string): number[] {
  if (typeof value === "string") {
    // A copy: a Float32Array view needs a 4-byte aligned offset, which a pooled Buffer does not promise.
    const bytes = Uint8Array.from(Buffer.from(value, "base64"));
    return Array.from(new Float32Array(bytes.buffer, 0, Math.floor(bytes.length / 4)));
  }
  if (!Array.isArray(value) || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw u.fail(`${path}.embedding`, "expected an array of numbers");
  }
  return value as number[];
}

/** The client's answer, as OpenAI renders it; `encodingFormat` "base64" packs each vector as float32 LE. */
export function renderEmbeddingResponse(res: llm.EmbeddingResponse, encodingFormat: string): string {
  const base64 = encodingFormat === "base64";
  const data = res.data.map((e) => ({
    object: "embedding",
    index: e.index,
    embedding: base64 ? Buffer.from(new Float32Array(e.vector).buffer).toString("base64") : e.vector,
  }));
  const prompt = res.usage?.promptTokens ?? 0;
  return JSON.stringify({
    object: "list",
    data,
    model: res.model,
    usage: { prompt_tokens: prompt, total_tokens: res.usage?.totalTokens || prompt },
  });
}
