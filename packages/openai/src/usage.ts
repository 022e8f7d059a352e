// OpenAI `usage` <-> canonical Usage, including the prompt and completion token details.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { llm } from "@switchyard/proto";
import { upstreamFields as f } from "./fields.js";
import { clampInt, type JsonObject, UINT32_MAX } from "./json.js";

type UsageInit = MessageInitShape<typeof llm.UsageSchema>;

const EMPTY: JsonObject = {};

/** A token count: null, absent or non-numeric counts read as 0. */
function count(value: unknown): number {
  return clampInt(value, UINT32_MAX);
}

/**
 * Reads `usage` of a response or chunk; undefined when absent or null (every chunk but the last).
 * Also reads the variants of OpenAI-compatible providers: DeepSeek's `prompt_cache_hit_tokens` and
 * Anthropic's `cache_creation_input_tokens`.
 */
export function parseUsage(o: JsonObject): UsageInit | undefined {
  const u = f.object(o, "usage", "");
  if (u === undefined) return undefined;
  const prompt = f.object(u, "prompt_tokens_details", "usage") ?? EMPTY;
  const completion = f.object(u, "completion_tokens_details", "usage") ?? EMPTY;
  const promptTokens = count(u["prompt_tokens"]);
  const completionTokens = count(u["completion_tokens"]);
  return {
    promptTokens,
    completionTokens,
    totalTokens: u["total_tokens"] == null ? count(promptTokens + completionTokens) : count(u["total_tokens"]),
    cachedTokens: count(prompt["cached_tokens"] ?? u["prompt_cache_hit_tokens"]),
    cacheCreationTokens: count(prompt["cache_write_tokens"] ?? u["cache_creation_input_tokens"]),
    reasoningTokens: count(completion["reasoning_tokens"]),
    promptAudioTokens: count(prompt["audio_tokens"]),
    completionAudioTokens: count(completion["audio_tokens"]),
  };
}

/**
 * Usage as OpenAI JSON text. The details objects are always present, as OpenAI sends them;
 * `cache_write_tokens` only when the provider wrote to its cache.
 */
export function usageJson(u: llm.Usage): string {
  const cacheWrite = u.cacheCreationTokens > 0 ? `,"cache_write_tokens":${u.cacheCreationTokens}` : "";
  return (
    `{"prompt_tokens":${u.promptTokens},"completion_tokens":${u.completionTokens},"total_tokens":${u.totalTokens}` +
    `,"prompt_tokens_details":{"cached_tokens":${u.cachedTokens},"audio_tokens":${u.promptAudioTokens}${cacheWrite}}` +
    `,"completion_tokens_details":{"reasoning_tokens":${u.reasoningTokens},"audio_tokens":${u.completionAudioTokens}}}`
  );
}

/** Usage as an OpenAI JSON object; the same fields as usageJson. */
export function usageObject(u: llm.Usage): JsonObject {
  const promptDetails: JsonObject = { cached_tokens: u.cachedTokens, audio_tokens: u.promptAudioTokens };
  if (u.cacheCreationTokens > 0) promptDetails["cache_write_tokens"] = u.cacheCreationTokens;
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.totalTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens, audio_tokens: u.completionAudioTokens },
  };
}
