// Upstream OpenAI(-compatible) responses and stream chunks -> canonical. Tolerant of what providers
// leave out or null (usage, content, finish_reason, index); a body the gateway cannot read at all is
// an UNAVAILABLE error, so the router can retry or fall back.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { upstreamFields as f, invalidUpstream } from "./fields.js";
import {
  clampInt,
  fieldPath,
  INT32_MAX,
  isObject,
  itemPath,
  type JsonObject,
  restOf,
  toExtraJson,
  UINT32_MAX,
} from "./json.js";
import { parseUsage } from "./usage.js";

type CompletionInit = MessageInitShape<typeof llm.ChatCompletionSchema>;
type ChunkInit = MessageInitShape<typeof llm.ChatCompletionChunkSchema>;
type ToolCallInit = MessageInitShape<typeof llm.ToolCallSchema>;
type ToolCallDeltaInit = MessageInitShape<typeof llm.ToolCallDeltaSchema>;

const TOP_KEYS = new Set([
  "id",
  "object",
  "created",
  "model",
  "choices",
  "usage",
  "system_fingerprint",
  "service_tier",
]);
const MESSAGE_KEYS = new Set(["role", "content", "refusal", "tool_calls", "reasoning_content"]);
const CHOICE_KEYS = new Set(["index", "message", "delta", "finish_reason", "logprobs"]);
const EMPTY: JsonObject = {};

/** Converts an upstream chat.completion body; throws GatewayError UNAVAILABLE when it is unreadable. */
export function parseChatCompletion(json: unknown): llm.ChatCompletion {
  try {
    const o = root(json);
    const choices = f.array(o, "choices", "");
    if (choices === undefined) throw f.fail("choices", "required");
    const init: CompletionInit = {
      choices: choices.map((c, i) => parseChoice(c, itemPath("choices", i), i)),
      usage: parseUsage(o),
    };
    return create(llm.ChatCompletionSchema, readHeader(o, init));
  } catch (err) {
    throw asUpstreamError(err);
  }
}

/** Converts an upstream chat.completion.chunk; throws GatewayError UNAVAILABLE when it is unreadable. */
export function parseChatChunk(json: unknown): llm.ChatCompletionChunk {
  try {
    const o = root(json);
    const choices = f.array(o, "choices", "") ?? [];
    const init: ChunkInit = {
      choices: choices.map((c, i) => parseChunkChoice(c, itemPath("choices", i), i)),
      usage: parseUsage(o),
    };
    return create(llm.ChatCompletionChunkSchema, readHeader(o, init));
  } catch (err) {
    throw asUpstreamError(err);
  }
}

function asUpstreamError(err: unknown): GatewayError {
  return err instanceof GatewayError ? err : invalidUpstream("unreadable body", err);
}

function root(json: unknown): JsonObject {
  if (!isObject(json)) throw invalidUpstream("expected a JSON object");
  return json;
}

/**
 * Adds the fields a completion and a chunk share to `init`. Assigning beats spreading a header object
 * into the init literal, which costs V8 about a microsecond per chunk.
 */
function readHeader<T extends CompletionInit | ChunkInit>(o: JsonObject, init: T): T {
  init.id = f.string(o, "id", "") ?? "";
  init.created = clampInt(o["created"], UINT32_MAX);
  init.model = f.string(o, "model", "") ?? "";
  init.systemFingerprint = f.string(o, "system_fingerprint", "");
  init.serviceTier = f.string(o, "service_tier", "");
  init.extraJson = toExtraJson(restOf(o, TOP_KEYS));
  return init;
}

function choiceIndex(c: JsonObject, fallback: number): number {
  return typeof c["index"] === "number" ? clampInt(c["index"], INT32_MAX) : fallback;
}

function parseChoice(value: unknown, path: string, i: number) {
  const c = f.item(value, path);
  const at = fieldPath(path, "message");
  const m = f.object(c, "message", path) ?? EMPTY;
  return {
    index: choiceIndex(c, i),
    message: {
      content: text(m, at),
      refusal: f.string(m, "refusal", at),
      toolCalls: f.array(m, "tool_calls", at)?.map((t, j) => parseToolCall(t, itemPath(`${at}.tool_calls`, j))),
      reasoningContent: f.string(m, "reasoning_content", at),
      extraJson: toExtraJson(restOf(m, MESSAGE_KEYS)),
    },
    // A finished completion always has a reason; some providers send null when they simply stopped.
    finishReason: f.string(c, "finish_reason", path) || "stop",
    logprobsJson: logprobs(c),
    extraJson: toExtraJson(restOf(c, CHOICE_KEYS)),
  };
}

function parseChunkChoice(value: unknown, path: string, i: number) {
  const c = f.item(value, path);
  const at = fieldPath(path, "delta");
  const d = f.object(c, "delta", path) ?? EMPTY;
  return {
    index: choiceIndex(c, i),
    delta: {
      role: f.string(d, "role", at),
      content: text(d, at),
      refusal: f.string(d, "refusal", at),
      toolCalls: f.array(d, "tool_calls", at)?.map((t, j) => parseToolCallDelta(t, itemPath(`${at}.tool_calls`, j), j)),
      reasoningContent: f.string(d, "reasoning_content", at),
      extraJson: toExtraJson(restOf(d, MESSAGE_KEYS)),
    },
    finishReason: f.string(c, "finish_reason", path),
    logprobsJson: logprobs(c),
    extraJson: toExtraJson(restOf(c, CHOICE_KEYS)),
  };
}

/** Message text. Some providers (Mistral reasoning models) send an array of parts: its text is joined. */
function text(m: JsonObject, path: string): string | undefined {
  const value = m["content"];
  if (!Array.isArray(value)) return f.string(m, "content", path);
  let joined = "";
  for (const part of value) if (isObject(part) && typeof part["text"] === "string") joined += part["text"];
  return joined;
}

function logprobs(c: JsonObject): string {
  const value = c["logprobs"];
  return isObject(value) ? JSON.stringify(value) : "";
}

/** Arguments as JSON text; some providers send them as an object. */
function argumentsText(fn: JsonObject, key: string, path: string): string | undefined {
  const value = fn[key];
  return isObject(value) ? JSON.stringify(value) : f.string(fn, key, path);
}

function parseToolCall(value: unknown, path: string): ToolCallInit {
  const c = f.item(value, path);
  const type = f.string(c, "type", path) ?? "function";
  const key = type === "custom" ? "custom" : "function";
  const fn = f.object(c, key, path) ?? EMPTY;
  const at = fieldPath(path, key);
  return {
    id: f.string(c, "id", path) ?? "",
    type,
    function: {
      name: f.string(fn, "name", at) ?? "",
      arguments: argumentsText(fn, type === "custom" ? "input" : "arguments", at) ?? "",
    },
  };
}

function parseToolCallDelta(value: unknown, path: string, j: number): ToolCallDeltaInit {
  const c = f.item(value, path);
  const fn = f.object(c, "function", path) ?? EMPTY;
  const at = fieldPath(path, "function");
  return {
    index: choiceIndex(c, j),
    id: f.string(c, "id", path),
    type: f.string(c, "type", path),
    name: f.string(fn, "name", at),
    arguments: argumentsText(fn, "arguments", at),
  };
}
