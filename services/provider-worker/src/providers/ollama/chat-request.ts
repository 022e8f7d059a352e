// Canonical chat request -> Ollama `/api/chat` body (https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion).
// Sampling settings go in `options` (max_tokens is `num_predict`), JSON mode is `format` ("json" or a JSON schema),
// images are bare base64 in `message.images`, and tool call arguments are JSON objects, not strings.

import type { llm } from "@switchyard/proto";
import { translationError, unsupportedParam } from "../errors.js";
import { asArray, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { imageUrlsOf, openAIBody, otherPartTypes, textOf } from "../openai-body.js";
import type { AttemptContext } from "../types.js";

/** OpenAI fields -> Ollama `options` keys. */
const OPTIONS: Readonly<Record<string, string>> = {
  temperature: "temperature",
  top_p: "top_p",
  max_tokens: "num_predict",
  max_completion_tokens: "num_predict",
  stop: "stop",
  seed: "seed",
  presence_penalty: "presence_penalty",
  frequency_penalty: "frequency_penalty",
  // Ollama's own, passed by clients as extra body fields
  top_k: "top_k",
  min_p: "min_p",
  num_ctx: "num_ctx",
  repeat_penalty: "repeat_penalty",
};
/** Ollama's own top-level fields a client may pass as extra body fields. */
const TOP_LEVEL = ["keep_alive", "think"] as const;
const HANDLED = new Set([
  ...Object.keys(OPTIONS),
  ...TOP_LEVEL,
  "tools",
  "tool_choice",
  "response_format",
  "n",
  "parallel_tool_calls",
]);

/** The exact body sent to `/api/chat`; `stream` is always explicit (Ollama streams by default). */
export function toOllamaChatRequest(req: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): JsonObject {
  const body = openAIBody(req, ctx, HANDLED);
  const dep = ctx.deployment;
  if (body.n !== undefined && body.n !== 1) throw unsupportedParam(dep, "n", "other than 1");
  const out: JsonObject = { model: dep.model, messages: messagesOf(body, ctx), stream };
  const options: JsonObject = {};
  for (const [field, option] of Object.entries(OPTIONS)) if (body[field] !== undefined) options[option] = body[field];
  if (Object.keys(options).length > 0) out.options = options;
  for (const field of TOP_LEVEL) if (body[field] !== undefined) out[field] = body[field];
  const format = formatOf(asObject(body.response_format));
  if (format !== undefined) out.format = format;
  if (body.tools !== undefined && body.tool_choice !== "none") {
    if (body.tool_choice !== undefined && body.tool_choice !== "auto") {
      throw unsupportedParam(dep, "tool_choice", 'other than "auto" or "none" (Ollama always lets the model choose)');
    }
    out.tools = body.tools;
  }
  return out;
}

/** `response_format` as Ollama's `format`: "json", the JSON schema itself, or nothing for plain text. */
function formatOf(format: JsonObject | undefined): unknown {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return "json";
  return asObject(asObject(format.json_schema)?.schema) ?? "json";
}

function messagesOf(body: JsonObject, ctx: AttemptContext): JsonObject[] {
  const names = new Map<string, string>();
  return asArray(body.messages).map((value, i) => {
    const m = asObject(value) ?? {};
    const path = `messages[${i}]`;
    const other = otherPartTypes(m.content);
    if (other.length > 0) throw unsupportedParam(ctx.deployment, `${path}.content`, `part type "${other[0]}"`);
    const role = m.role === "developer" ? "system" : (asString(m.role) ?? "user");
    const out: JsonObject = { role, content: textOf(m.content) };
    const images = imageUrlsOf(m.content).map((url) => base64Of(url, ctx, path));
    if (images.length > 0) out.images = images;
    const calls = asArray(m.tool_calls).map((c, j) => toolCallOf(asObject(c) ?? {}, ctx, `${path}.tool_calls[${j}]`));
    for (const [j, c] of asArray(m.tool_calls).entries()) {
      const id = asString(asObject(c)?.id);
      if (id) names.set(id, calls[j]?.function.name ?? "");
    }
    if (calls.length > 0) out.tool_calls = calls;
    const toolName = names.get(asString(m.tool_call_id) ?? "");
    if (role === "tool" && toolName) out.tool_name = toolName;
    return out;
  });
}

function toolCallOf(
  call: JsonObject,
  ctx: AttemptContext,
  path: string,
): { function: { name: string; arguments: JsonObject } } {
  const fn = asObject(call.function) ?? {};
  const args = asObject(tryParse(asString(fn.arguments) || "{}"));
  if (!args)
    throw translationError(ctx.deployment, `${path}.function.arguments must be a JSON object for Ollama`, path);
  return { function: { name: asString(fn.name) ?? "", arguments: args } };
}

/** Ollama takes images as bare base64: a `data:` URL's payload; a remote URL is refused (Ollama cannot fetch it). */
function base64Of(url: string, ctx: AttemptContext, path: string): string {
  const match = /^data:[^;,]*;base64,(.*)$/s.exec(url);
  if (!match?.[1]) {
    throw translationError(ctx.deployment, `${path}: ollama takes images only as base64 data: URLs`, `${path}.content`);
  }
  return match[1];
}
