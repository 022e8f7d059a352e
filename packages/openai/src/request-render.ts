// The canonical ChatCompletionRequest -> the OpenAI request body sent upstream.
import type { llm } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { fieldPath, itemPath, type JsonObject, mergeExtra, parseObjectText } from "./json.js";
import { ROLES } from "./request-messages.js";
import { MODELLED_FIELDS } from "./request-parse.js";

const ROLE_NAMES = new Map([...ROLES].map(([name, role]) => [role, name]));

// Modelled fields that a canonical request built elsewhere (the gRPC API) might also put in
// extra_json; they are ignored there, so that `stream: true` cannot sneak into a non-streamed call.
// The three fields whose unmodelled parts extra_json legitimately carries are not in this set.
const NOT_FROM_EXTRA = new Set(
  [...MODELLED_FIELDS].filter((f) => f !== "stream_options" && f !== "response_format" && f !== "tool_choice"),
);

/**
 * The OpenAI request body for `req`, addressed to the upstream `model`. Unmodelled fields from the
 * extra_json of the request, its messages, parts and tools are merged back where they came from;
 * modelled fields win on a clash, and a top-level modelled field is never taken from extra_json.
 * `stream` follows req.stream alone, `stream_options.include_usage` includeUsage. Throws invalid_request
 * when an extra_json or schema text of a hand-built request is not a JSON object.
 */
export function chatRequestToJson(req: llm.ChatCompletionRequest, model: string): JsonObject {
  const out: JsonObject = { model, messages: req.messages.map((m, i) => messageToJson(m, itemPath("messages", i))) };
  if (req.tools.length > 0) out["tools"] = req.tools.map((t, i) => toolToJson(t, itemPath("tools", i)));
  const toolChoice = toolChoiceToJson(req.toolChoice);
  if (toolChoice !== undefined) out["tool_choice"] = toolChoice;
  if (req.responseFormat !== undefined) out["response_format"] = responseFormatToJson(req.responseFormat);
  setDefined(out, "temperature", req.temperature);
  setDefined(out, "top_p", req.topP);
  setDefined(out, "max_tokens", req.maxTokens);
  setDefined(out, "max_completion_tokens", req.maxCompletionTokens);
  if (req.stop.length > 0) out["stop"] = [...req.stop];
  setDefined(out, "n", req.n);
  if (req.seed !== undefined) out["seed"] = Number(req.seed);
  setDefined(out, "user", req.user);
  if (Object.keys(req.metadata).length > 0) out["metadata"] = { ...req.metadata };
  setDefined(out, "presence_penalty", req.presencePenalty);
  setDefined(out, "frequency_penalty", req.frequencyPenalty);
  if (req.stream) out["stream"] = true;
  if (req.stream && req.includeUsage) out["stream_options"] = { include_usage: true };
  setDefined(out, "parallel_tool_calls", req.parallelToolCalls);
  setDefined(out, "reasoning_effort", req.reasoningEffort);
  merge(out, req.extraJson, "extra_json", NOT_FROM_EXTRA);
  // Unknown stream options from extra_json must not reach a non-streaming call: OpenAI rejects them.
  if (!req.stream) delete out["stream_options"];
  return out;
}

function setDefined(out: JsonObject, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

function merge(out: JsonObject, extraJson: string, path: string, skip?: ReadonlySet<string>): void {
  if (!mergeExtra(out, extraJson, skip)) throw invalidRequest(`${path}: expected a JSON object`, path);
}

function messageToJson(m: llm.Message, path: string): JsonObject {
  const role = ROLE_NAMES.get(m.role);
  if (role === undefined) throw invalidRequest(`${path}.role: required`, `${path}.role`);
  const out: JsonObject = { role, content: contentToJson(m, path) };
  setDefined(out, "name", m.name);
  if (m.toolCalls.length > 0) out["tool_calls"] = m.toolCalls.map(toolCallToJson);
  setDefined(out, "tool_call_id", m.toolCallId);
  setDefined(out, "refusal", m.refusal);
  merge(out, m.extraJson, fieldPath(path, "extra_json"));
  return out;
}

function contentToJson(m: llm.Message, path: string): unknown {
  switch (m.content.case) {
    case "text":
      return m.content.value;
    case "parts":
      return m.content.value.parts.map((p, i) => partToJson(p, itemPath(`${path}.content`, i)));
    default:
      return null;
  }
}

function partToJson(p: llm.ContentPart, path: string): JsonObject {
  const out = partBody(p.part);
  merge(out, p.extraJson, fieldPath(path, "extra_json"));
  return out;
}

function partBody(part: llm.ContentPart["part"]): JsonObject {
  switch (part.case) {
    case "text":
      return { type: "text", text: part.value };
    case "refusal":
      return { type: "refusal", refusal: part.value };
    case "imageUrl": {
      const imageUrl: JsonObject = { url: part.value.url };
      setDefined(imageUrl, "detail", part.value.detail);
      return { type: "image_url", image_url: imageUrl };
    }
    case "inputAudio":
      return { type: "input_audio", input_audio: { data: part.value.data, format: part.value.format } };
    case "file": {
      const file: JsonObject = {};
      setDefined(file, "file_id", part.value.fileId);
      setDefined(file, "file_data", part.value.fileData);
      setDefined(file, "filename", part.value.filename);
      return { type: "file", file };
    }
    default:
      // An unmodelled part type: everything, its type included, is in extra_json.
      return {};
  }
}

/** An OpenAI tool call; custom tool calls carry their input where function calls carry arguments. */
export function toolCallToJson(c: llm.ToolCall): JsonObject {
  const name = c.function?.name ?? "";
  const args = c.function?.arguments ?? "";
  if (c.type === "custom") return { id: c.id, type: c.type, custom: { name, input: args } };
  return { id: c.id, type: c.type || "function", function: { name, arguments: args } };
}

function toolToJson(t: llm.Tool, path: string): JsonObject {
  const out: JsonObject = { type: t.type };
  if (t.function !== undefined) {
    const fn: JsonObject = { name: t.function.name };
    setDefined(fn, "description", t.function.description);
    if (t.function.parametersJson !== "")
      fn["parameters"] = schemaObject(t.function.parametersJson, `${path}.function.parameters_json`);
    setDefined(fn, "strict", t.function.strict);
    out["function"] = fn;
  }
  merge(out, t.extraJson, fieldPath(path, "extra_json"));
  return out;
}

function schemaObject(text: string, path: string): JsonObject {
  const schema = parseObjectText(text);
  if (schema === undefined) throw invalidRequest(`${path}: expected a JSON object`, path);
  return schema;
}

function toolChoiceToJson(choice: llm.ToolChoice | undefined): unknown {
  switch (choice?.choice.case) {
    case "mode":
      return choice.choice.value;
    case "functionName":
      return { type: "function", function: { name: choice.choice.value } };
    default:
      return undefined;
  }
}

function responseFormatToJson(rf: llm.ResponseFormat): JsonObject {
  const out: JsonObject = { type: rf.type };
  const js = rf.jsonSchema;
  if (js !== undefined) {
    const schema: JsonObject = { name: js.name };
    setDefined(schema, "description", js.description);
    if (js.schemaJson !== "") schema["schema"] = schemaObject(js.schemaJson, "response_format.json_schema.schema_json");
    setDefined(schema, "strict", js.strict);
    out["json_schema"] = schema;
  }
  return out;
}
