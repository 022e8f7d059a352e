// An OpenAI `POST /v1/chat/completions` body -> the canonical ChatCompletionRequest.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { clientFields as f } from "./fields.js";
import { findHazard, INT32_MAX, isObject, itemPath, type JsonObject, restOf, toExtraJson } from "./json.js";
import { parseMessages } from "./request-messages.js";
import { parseResponseFormat, parseToolChoice, parseTools } from "./request-tools.js";
import { isRequestTag, MAX_REQUEST_TAGS, REQUEST_TAG_RULE } from "./tags.js";

/** The top-level fields the canonical request models; every other field is carried in extra_json. */
export const MODELLED_FIELDS: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "tools",
  "tool_choice",
  "response_format",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "n",
  "seed",
  "user",
  "metadata",
  "presence_penalty",
  "frequency_penalty",
  "stream",
  "stream_options",
  "parallel_tool_calls",
  "reasoning_effort",
  "fallbacks",
]);

/** Most client-side fallbacks one request may name (the router visits at most five fallback groups anyway). */
export const MAX_CLIENT_FALLBACKS = 5;

const INT64_LIMIT = 2 ** 63;
const STREAM_OPTION_KEYS = new Set(["include_usage"]);
// OpenAI's documented metadata limits: https://platform.openai.com/docs/api-reference/chat/create#chat-create-metadata
const METADATA_PAIRS = 16;
const METADATA_KEY_CHARS = 64;
const METADATA_VALUE_CHARS = 512;

/**
 * Validates an OpenAI chat completion request body and converts it to the canonical request.
 * Throws only GatewayError: invalid_request_error naming the field path, for any JSON value.
 */
export function parseChatRequest(body: unknown): llm.ChatCompletionRequest {
  try {
    return parseBody(body);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message: "invalid request body" }, { cause: err });
  }
}

function parseBody(body: unknown): llm.ChatCompletionRequest {
  if (!isObject(body)) throw invalidRequest("request body: expected a JSON object");
  const hazard = findHazard(body);
  if (hazard !== undefined) throw invalidRequest(`${hazard.path}: ${hazard.problem}`, hazard.path);
  const rest = restOf(body, MODELLED_FIELDS) ?? {};
  const model = f.requiredString(body, "model", "");
  if (model === "") throw f.fail("model", "required");
  const stream = f.boolean(body, "stream", "") ?? false;
  return create(llm.ChatCompletionRequestSchema, {
    model,
    messages: parseMessages(body),
    tools: parseTools(body),
    toolChoice: parseToolChoice(body, rest),
    responseFormat: parseResponseFormat(body, rest),
    temperature: f.number(body, "temperature", "", 0, 2),
    topP: f.number(body, "top_p", "", 0, 1),
    maxTokens: f.integer(body, "max_tokens", "", 0, INT32_MAX),
    maxCompletionTokens: f.integer(body, "max_completion_tokens", "", 0, INT32_MAX),
    stop: parseStop(body),
    n: f.integer(body, "n", "", 1, 128),
    seed: parseSeed(body),
    user: f.string(body, "user", ""),
    ...parseMetadata(body),
    presencePenalty: f.number(body, "presence_penalty", "", -2, 2),
    frequencyPenalty: f.number(body, "frequency_penalty", "", -2, 2),
    stream,
    includeUsage: parseStreamOptions(body, stream, rest),
    parallelToolCalls: f.boolean(body, "parallel_tool_calls", ""),
    reasoningEffort: f.string(body, "reasoning_effort", ""),
    fallbacks: parseFallbacks(body),
    extraJson: toExtraJson(rest),
  });
}

/** LiteLLM's client-side `fallbacks`: a list of model names (LiteLLM's per-fallback parameter objects are refused). */
export function parseFallbacks(body: JsonObject): string[] {
  const value = body["fallbacks"];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw f.fail("fallbacks", "expected a list of model names");
  if (value.length > MAX_CLIENT_FALLBACKS) throw f.fail("fallbacks", `expected at most ${MAX_CLIENT_FALLBACKS} models`);
  return value.map((name, i) => {
    if (typeof name !== "string" || name === "" || name.length > 256) {
      throw f.fail(itemPath("fallbacks", i), "expected a model name (a non-empty string of at most 256 characters)");
    }
    return name;
  });
}

/** `stop`: a string or an array of strings. */
export function parseStop(body: JsonObject): string[] | undefined {
  const value = body["stop"];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw f.fail("stop", "expected a string or an array of strings");
  return value.map((s, i) => {
    if (typeof s !== "string") throw f.fail(itemPath("stop", i), "expected a string");
    return s;
  });
}

/** An int64 seed. JSON numbers beyond 2^53 are already rounded by JSON.parse; they clamp to int64. */
export function parseSeed(body: JsonObject): bigint | undefined {
  const value = body["seed"];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > INT64_LIMIT)
    throw f.fail("seed", "expected a 64-bit integer");
  const seed = BigInt(value);
  return seed >= BigInt(INT64_LIMIT) ? BigInt(INT64_LIMIT) - 1n : seed;
}

/** LiteLLM clients send request tags as a list under `metadata.tags`; a string there stays plain metadata. */

function parseTags(value: unknown): string[] {
  if (!Array.isArray(value)) throw f.fail("metadata.tags", "expected a list of strings");
  if (value.length > MAX_REQUEST_TAGS) throw f.fail("metadata.tags", `expected at most ${MAX_REQUEST_TAGS} tags`);
  const tags: string[] = [];
  value.forEach((tag, i) => {
    if (!isRequestTag(tag)) {
      throw f.fail(`metadata.tags[${i}]`, `expected ${REQUEST_TAG_RULE}`);
    }
    if (!tags.includes(tag)) tags.push(tag);
  });
  return tags;
}

/** OpenAI's metadata (string pairs), and LiteLLM's `metadata.tags` list taken out of it as request tags. */
export function parseMetadata(body: JsonObject): { metadata?: Record<string, string>; tags?: string[] } {
  const md = f.object(body, "metadata", "");
  if (md === undefined) return {};
  const keys = Object.keys(md);
  if (keys.length > METADATA_PAIRS) throw f.fail("metadata", `expected at most ${METADATA_PAIRS} pairs`);
  const out: Record<string, string> = {};
  let tags: string[] | undefined;
  for (const key of keys) {
    if (key === "tags" && Array.isArray(md[key])) {
      tags = parseTags(md[key]);
      continue;
    }
    const value = f.string(md, key, "metadata");
    if (value === undefined) throw f.fail(`metadata.${key}`, "expected a string");
    if (key.length > METADATA_KEY_CHARS)
      throw f.fail(`metadata.${key}`, `key longer than ${METADATA_KEY_CHARS} characters`);
    if (value.length > METADATA_VALUE_CHARS)
      throw f.fail(`metadata.${key}`, `value longer than ${METADATA_VALUE_CHARS} characters`);
    out[key] = value;
  }
  return tags ? { metadata: out, tags } : { metadata: out };
}

/**
 * Reads stream_options.include_usage. OpenAI rejects stream_options without stream: true; the gateway
 * is lenient and ignores them. Unknown options (include_obfuscation) travel in extra_json.
 */
export function parseStreamOptions(body: JsonObject, stream: boolean, rest: JsonObject): boolean {
  const options = f.object(body, "stream_options", "");
  if (options === undefined || !stream) return false;
  const unknown = restOf(options, STREAM_OPTION_KEYS);
  if (unknown !== undefined) rest["stream_options"] = unknown;
  return f.boolean(options, "include_usage", "stream_options") ?? false;
}
