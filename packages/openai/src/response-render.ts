// Canonical completions and chunks -> OpenAI JSON text, in the field order OpenAI sends.
import type { llm } from "@switchyard/proto";
import { type JsonObject, mergeExtra, parseObjectText, quoteJson } from "./json.js";
import { toolCallToJson } from "./request-render.js";
import { usageJson, usageObject } from "./usage.js";

const q = quoteJson;

/**
 * A chat.completion body. Every message has role "assistant" and `content` and `refusal` (null when
 * unset); `tool_calls` only when non-empty; `logprobs` is null or the parsed object; `finish_reason`
 * "stop" when empty (the schema requires one); `usage` only when set. extra_json fields are merged in
 * without overriding a modelled field.
 */
export function renderChatCompletion(c: llm.ChatCompletion): string {
  const out: JsonObject = {
    id: c.id,
    object: "chat.completion",
    created: c.created,
    model: c.model,
    choices: c.choices.map(choiceObject),
  };
  if (c.usage !== undefined) out["usage"] = usageObject(c.usage);
  if (c.serviceTier !== undefined) out["service_tier"] = c.serviceTier;
  if (c.systemFingerprint !== undefined) out["system_fingerprint"] = c.systemFingerprint;
  mergeExtra(out, c.extraJson);
  return JSON.stringify(out);
}

function choiceObject(ch: llm.Choice): JsonObject {
  const m = ch.message;
  const message: JsonObject = { role: "assistant", content: m?.content ?? null, refusal: m?.refusal ?? null };
  if (m !== undefined) {
    if (m.toolCalls.length > 0) message["tool_calls"] = m.toolCalls.map(toolCallToJson);
    if (m.reasoningContent !== undefined) message["reasoning_content"] = m.reasoningContent;
    mergeExtra(message, m.extraJson);
  }
  const choice: JsonObject = {
    index: ch.index,
    message,
    logprobs: ch.logprobsJson === "" ? null : (parseObjectText(ch.logprobsJson) ?? null),
    finish_reason: ch.finishReason || "stop",
  };
  mergeExtra(choice, ch.extraJson);
  return choice;
}

/**
 * A chat.completion.chunk body, built as a string because it runs once per streamed token.
 * `usage` only when set (the final usage chunk, whose choices are empty); `logprobs` and
 * `finish_reason` always, null when unset; delta fields only when set. extra_json and logprobs_json
 * are spliced in as text: they must be JSON objects whose keys are not modelled fields, as the
 * parsers guarantee.
 */
export function renderChatChunk(c: llm.ChatCompletionChunk): string {
  let s = `{"id":${q(c.id)},"object":"chat.completion.chunk","created":${c.created},"model":${q(c.model)}`;
  if (c.serviceTier !== undefined) s += `,"service_tier":${q(c.serviceTier)}`;
  if (c.systemFingerprint !== undefined) s += `,"system_fingerprint":${q(c.systemFingerprint)}`;
  s += ',"choices":[';
  for (let i = 0; i < c.choices.length; i++) {
    if (i > 0) s += ",";
    s += chunkChoiceJson(c.choices[i]!);
  }
  s += "]";
  if (c.usage !== undefined) s += `,"usage":${usageJson(c.usage)}`;
  return `${s}${extraFields(c.extraJson)}}`;
}

function chunkChoiceJson(ch: llm.ChunkChoice): string {
  const logprobs = ch.logprobsJson.charCodeAt(0) === 123 /* { */ ? ch.logprobsJson : "null";
  const finish = ch.finishReason ? q(ch.finishReason) : "null";
  const delta = ch.delta === undefined ? "{}" : deltaJson(ch.delta);
  return `{"index":${ch.index},"delta":${delta},"logprobs":${logprobs},"finish_reason":${finish}${extraFields(ch.extraJson)}}`;
}

function deltaJson(d: llm.Delta): string {
  let s = "";
  if (d.role !== undefined) s += `,"role":${q(d.role)}`;
  if (d.content !== undefined) s += `,"content":${q(d.content)}`;
  if (d.refusal !== undefined) s += `,"refusal":${q(d.refusal)}`;
  if (d.reasoningContent !== undefined) s += `,"reasoning_content":${q(d.reasoningContent)}`;
  if (d.toolCalls.length > 0) {
    s += ',"tool_calls":[';
    for (let i = 0; i < d.toolCalls.length; i++) s += (i > 0 ? "," : "") + toolCallDeltaJson(d.toolCalls[i]!);
    s += "]";
  }
  s += extraFields(d.extraJson);
  return s === "" ? "{}" : `{${s.slice(1)}}`;
}

function toolCallDeltaJson(t: llm.ToolCallDelta): string {
  let s = `{"index":${t.index}`;
  if (t.id !== undefined) s += `,"id":${q(t.id)}`;
  if (t.type !== undefined) s += `,"type":${q(t.type)}`;
  if (t.name !== undefined || t.arguments !== undefined) {
    let fn = "";
    if (t.name !== undefined) fn += `,"name":${q(t.name)}`;
    if (t.arguments !== undefined) fn += `,"arguments":${q(t.arguments)}`;
    s += `,"function":{${fn.slice(1)}}`;
  }
  return `${s}}`;
}

/** The members of an extra_json object as ",<members>", or "" when there are none. */
function extraFields(extraJson: string): string {
  const n = extraJson.length;
  if (n <= 2 || extraJson.charCodeAt(0) !== 123 /* { */ || extraJson.charCodeAt(n - 1) !== 125 /* } */) return "";
  const inner = extraJson.slice(1, -1);
  return inner.trim() === "" ? "" : `,${inner}`;
}
