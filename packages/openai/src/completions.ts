// OpenAI's legacy text completions wire format (https://platform.openai.com/docs/api-reference/completions) <-> the
// canonical switchyard.llm.v1 completion messages: the client's request, the upstream body and answer, the client's
// answer.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { clientFields as f, upstreamFields as u } from "./fields.js";
import {
  findHazard,
  INT32_MAX,
  isObject,
  itemPath,
  type JsonObject,
  mergeExtra,
  parseObjectText,
  restOf,
  toExtraJson,
} from "./json.js";
import { parseFallbacks, parseMetadata, parseSeed, parseStop, parseStreamOptions } from "./request-parse.js";

/** The most prompts one request may carry (OpenAI documents no limit; this bounds the fan-out). */
export const MAX_COMPLETION_PROMPTS = 2048;
const TOKEN_ID_MAX = 2 ** 32 - 1;

/** The request fields the canonical request models; every other one travels in extra_json. */
const MODELLED: ReadonlySet<string> = new Set([
  "model",
  "prompt",
  "suffix",
  "max_tokens",
  "temperature",
  "top_p",
  "n",
  "stop",
  "echo",
  "logprobs",
  "seed",
  "user",
  "stream",
  "stream_options",
  "metadata",
  "fallbacks",
]);

/** Modelled fields never taken from extra_json; unknown `stream_options` keys travel there and merge back. */
const NOT_FROM_EXTRA: ReadonlySet<string> = new Set([...MODELLED].filter((field) => field !== "stream_options"));

/** Validates an OpenAI text completions request body; throws only GatewayError naming the field. */
export function parseCompletionRequest(body: unknown): llm.CompletionRequest {
  try {
    if (!isObject(body)) throw invalidRequest("request body: expected a JSON object");
    const hazard = findHazard(body);
    if (hazard !== undefined) throw invalidRequest(`${hazard.path}: ${hazard.problem}`, hazard.path);
    const model = f.requiredString(body, "model", "");
    if (model === "") throw f.fail("model", "required");
    const stream = f.boolean(body, "stream", "") ?? false;
    const rest = restOf(body, MODELLED) ?? {};
    const includeUsage = parseStreamOptions(body, stream, rest);
    const seed = parseSeed(body);
    const suffix = f.string(body, "suffix", "");
    return create(llm.CompletionRequestSchema, {
      model,
      ...parsePrompt(body),
      ...(suffix !== undefined ? { suffix } : {}),
      maxTokens: f.integer(body, "max_tokens", "", 0, INT32_MAX),
      temperature: f.number(body, "temperature", "", 0, 2),
      topP: f.number(body, "top_p", "", 0, 1),
      n: f.integer(body, "n", "", 1, 128),
      stop: parseStop(body) ?? [],
      echo: f.boolean(body, "echo", "") ?? false,
      logprobs: f.integer(body, "logprobs", "", 0, 5),
      ...(seed !== undefined ? { seed } : {}),
      user: f.string(body, "user", "") ?? "",
      stream,
      includeUsage,
      ...parseMetadata(body),
      fallbacks: parseFallbacks(body),
      extraJson: toExtraJson(rest),
    });
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message: "invalid request body" }, { cause: err });
  }
}

function isTokenId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= TOKEN_ID_MAX;
}

/** `prompt`: a string, an array of strings, an array of token ids, or an array of such arrays. */
function parsePrompt(body: JsonObject): Pick<llm.CompletionRequest, "prompts" | "tokenPrompts"> {
  const prompt = body["prompt"];
  if (prompt === undefined || prompt === null) throw f.fail("prompt", "required");
  if (typeof prompt === "string") return { prompts: [prompt], tokenPrompts: [] };
  if (!Array.isArray(prompt)) throw f.fail("prompt", "expected a string, an array of strings or an array of token ids");
  if (prompt.length === 0) throw f.fail("prompt", "expected at least one prompt");
  if (prompt.every(isTokenId)) return { prompts: [], tokenPrompts: [create(llm.TokenIdsSchema, { ids: prompt })] };
  if (prompt.length > MAX_COMPLETION_PROMPTS)
    throw f.fail("prompt", `expected at most ${MAX_COMPLETION_PROMPTS} prompts`);
  if (typeof prompt[0] === "string") {
    return {
      prompts: prompt.map((text, i) => {
        if (typeof text !== "string") throw f.fail(itemPath("prompt", i), "expected a string");
        return text;
      }),
      tokenPrompts: [],
    };
  }
  return {
    prompts: [],
    tokenPrompts: prompt.map((ids, i) => {
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every(isTokenId)) {
        throw f.fail(itemPath("prompt", i), "expected a string or a non-empty array of token ids");
      }
      return create(llm.TokenIdsSchema, { ids });
    }),
  };
}

/** The prompt as OpenAI takes it: a lone string stays a string. */
export function promptJson(req: llm.CompletionRequest): string | string[] | number[] | number[][] {
  if (req.prompts.length === 1) return req.prompts[0] ?? "";
  if (req.prompts.length > 0) return [...req.prompts];
  if (req.tokenPrompts.length === 1) return [...(req.tokenPrompts[0]?.ids ?? [])];
  return req.tokenPrompts.map((t) => [...t.ids]);
}

/** The exact body sent to an OpenAI-compatible `/completions`, with the deployment's upstream model. */
export function completionRequestToJson(req: llm.CompletionRequest, model: string): JsonObject {
  const body: JsonObject = { model, prompt: promptJson(req) };
  if (req.stream) {
    body.stream = true;
    // Always asked for, so every stream is metered; the worker drops the usage chunk unless the client asked.
    body.stream_options = { include_usage: true };
  }
  if (req.suffix !== undefined) body.suffix = req.suffix;
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.n !== undefined) body.n = req.n;
  if (req.stop.length > 0) body.stop = [...req.stop];
  if (req.echo) body.echo = true;
  if (req.logprobs !== undefined) body.logprobs = req.logprobs;
  if (req.seed !== undefined) body.seed = Number(req.seed);
  if (req.user) body.user = req.user;
  mergeExtra(body, req.extraJson, NOT_FROM_EXTRA);
  // Unknown stream options from extra_json must not reach a non-streamed call: OpenAI rejects them.
  if (!req.stream) delete body.stream_options;
  return body;
}

const FINISH_REASONS: ReadonlySet<string> = new Set(["stop", "length", "content_filter"]);

/**
 * Reads an upstream's OpenAI-shaped text completion, or one chunk of a streamed one (`finish_reason` null until a
 * choice's last piece); a malformed one is UNAVAILABLE (retryable).
 */
export function parseCompletionResponse(json: unknown): llm.Completion {
  const body = u.item(json, "response");
  const choices = u.array(body, "choices", "") ?? [];
  const usage = u.object(body, "usage", "");
  const count = (key: string) => (usage ? (u.integer(usage, key, "usage", 0, INT32_MAX) ?? 0) : 0);
  const fingerprint = u.string(body, "system_fingerprint", "");
  return create(llm.CompletionSchema, {
    id: u.string(body, "id", "") ?? "",
    created: u.integer(body, "created", "", 0, 2 ** 32 - 1) ?? 0,
    model: u.string(body, "model", "") ?? "",
    choices: choices.map((raw, i) => {
      const path = itemPath("choices", i);
      const item = u.item(raw, path);
      const logprobs = item["logprobs"];
      return create(llm.CompletionChoiceSchema, {
        index: u.integer(item, "index", path, 0, INT32_MAX) ?? i,
        text: u.string(item, "text", path) ?? "",
        finishReason: u.string(item, "finish_reason", path) ?? "",
        logprobsJson: isObject(logprobs) ? JSON.stringify(logprobs) : "",
      });
    }),
    ...(fingerprint ? { systemFingerprint: fingerprint } : {}),
    ...(usage
      ? {
          usage: create(llm.UsageSchema, {
            promptTokens: count("prompt_tokens"),
            completionTokens: count("completion_tokens"),
            totalTokens: count("total_tokens") || count("prompt_tokens") + count("completion_tokens"),
          }),
        }
      : {}),
  });
}

/**
 * One chunk of a streamed answer, as OpenAI streams `text_completion` objects: each choice's piece of text with
 * `finish_reason` null until its last piece, and `usage` only on the usage-only last chunk (choices empty).
 */
export function renderCompletionChunk(chunk: llm.Completion): string {
  const out: JsonObject = {
    id: chunk.id,
    object: "text_completion",
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((c) => ({
      text: c.text,
      index: c.index,
      logprobs: c.logprobsJson ? (parseObjectText(c.logprobsJson) ?? null) : null,
      finish_reason: FINISH_REASONS.has(c.finishReason) ? c.finishReason : null,
    })),
  };
  if (chunk.usage) {
    const prompt = chunk.usage.promptTokens;
    const completion = chunk.usage.completionTokens;
    out.usage = {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: chunk.usage.totalTokens || prompt + completion,
    };
  }
  if (chunk.systemFingerprint !== undefined) out.system_fingerprint = chunk.systemFingerprint;
  return JSON.stringify(out);
}

/** The client's answer, as OpenAI renders a `text_completion`. */
export function renderCompletion(res: llm.Completion): string {
  const prompt = res.usage?.promptTokens ?? 0;
  const completion = res.usage?.completionTokens ?? 0;
  const out: JsonObject = {
    id: res.id,
    object: "text_completion",
    created: res.created,
    model: res.model,
    choices: res.choices.map((c) => ({
      text: c.text,
      index: c.index,
      logprobs: c.logprobsJson ? (parseObjectText(c.logprobsJson) ?? null) : null,
      finish_reason: FINISH_REASONS.has(c.finishReason) ? c.finishReason : "stop",
    })),
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: res.usage?.totalTokens || prompt + completion,
    },
  };
  if (res.systemFingerprint !== undefined) out.system_fingerprint = res.systemFingerprint;
  return JSON.stringify(out);
}
