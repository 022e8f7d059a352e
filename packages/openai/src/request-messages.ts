// OpenAI request messages -> canonical messages. Unknown message and part fields travel in the
// message's or part's extra_json; unknown part types travel whole, so new OpenAI parts pass through.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { clientFields as f } from "./fields.js";
import { fieldPath, itemPath, type JsonObject, nestRest, restOf, toExtraJson } from "./json.js";

type MessageInit = MessageInitShape<typeof llm.MessageSchema>;
type PartInit = MessageInitShape<typeof llm.ContentPartSchema>;
type ToolCallInit = MessageInitShape<typeof llm.ToolCallSchema>;

const { Role } = llm;

/** OpenAI role names and their canonical roles. */
export const ROLES: ReadonlyMap<string, llm.Role> = new Map([
  ["system", Role.SYSTEM],
  ["developer", Role.DEVELOPER],
  ["user", Role.USER],
  ["assistant", Role.ASSISTANT],
  ["tool", Role.TOOL],
  ["function", Role.FUNCTION],
]);

const ROLE_LIST = [...ROLES.keys()].map((r) => `"${r}"`).join(", ");
const MESSAGE_KEYS = new Set(["role", "content", "name", "tool_calls", "tool_call_id", "refusal"]);
const NO_KEYS = new Set<string>();
const PART_KEYS = new Map(
  ["text", "refusal", "image_url", "input_audio", "file"].map((k) => [k, new Set(["type", k])]),
);
const URL_KEYS = new Set(["url", "detail"]);
const AUDIO_KEYS = new Set(["data", "format"]);
const FILE_KEYS = new Set(["file_id", "file_data", "filename"]);

/** Reads `messages`: a non-empty array of OpenAI messages. */
export function parseMessages(body: JsonObject): MessageInit[] {
  const list = f.array(body, "messages", "");
  if (list === undefined) throw f.fail("messages", "required");
  if (list.length === 0) throw f.fail("messages", "expected a non-empty array");
  return list.map((m, i) => parseMessage(m, itemPath("messages", i)));
}

function parseMessage(value: unknown, path: string): MessageInit {
  const m = f.item(value, path);
  const roleName = f.requiredString(m, "role", path);
  const role = ROLES.get(roleName);
  if (role === undefined) throw f.fail(fieldPath(path, "role"), `expected one of ${ROLE_LIST}`);
  return {
    role,
    content: parseContent(m, path, role),
    name: role === Role.FUNCTION ? f.requiredString(m, "name", path) : f.string(m, "name", path),
    toolCalls: f.array(m, "tool_calls", path)?.map((c, i) => parseToolCall(c, itemPath(`${path}.tool_calls`, i))),
    toolCallId: role === Role.TOOL ? f.requiredString(m, "tool_call_id", path) : f.string(m, "tool_call_id", path),
    refusal: f.string(m, "refusal", path),
    extraJson: toExtraJson(restOf(m, MESSAGE_KEYS)),
  };
}

function parseContent(m: JsonObject, path: string, role: llm.Role): MessageInit["content"] {
  const value = m["content"];
  const at = fieldPath(path, "content");
  if (typeof value === "string") return { case: "text", value };
  if (Array.isArray(value))
    return { case: "parts", value: { parts: value.map((p, i) => parsePart(p, itemPath(at, i))) } };
  // Only assistant (tool calls only) and function messages may leave content null.
  const nullable = role === Role.ASSISTANT || role === Role.FUNCTION;
  if (value === null && nullable) return { case: undefined };
  if (value === undefined) {
    if (nullable) return { case: undefined };
    throw f.fail(at, "required");
  }
  throw f.fail(at, "expected a string or an array of content parts");
}

function parsePart(value: unknown, path: string): PartInit {
  const p = f.item(value, path);
  const type = f.requiredString(p, "type", path);
  switch (type) {
    case "text":
      return { part: { case: "text", value: f.requiredString(p, "text", path) }, extraJson: partRest(p, "text") };
    case "refusal":
      return {
        part: { case: "refusal", value: f.requiredString(p, "refusal", path) },
        extraJson: partRest(p, "refusal"),
      };
    case "image_url": {
      const o = f.requiredObject(p, "image_url", path);
      const at = fieldPath(path, "image_url");
      const value = { url: f.requiredString(o, "url", at), detail: f.string(o, "detail", at) };
      return { part: { case: "imageUrl", value }, extraJson: partRest(p, "image_url", restOf(o, URL_KEYS)) };
    }
    case "input_audio": {
      const o = f.requiredObject(p, "input_audio", path);
      const at = fieldPath(path, "input_audio");
      const value = { data: f.requiredString(o, "data", at), format: f.requiredString(o, "format", at) };
      return { part: { case: "inputAudio", value }, extraJson: partRest(p, "input_audio", restOf(o, AUDIO_KEYS)) };
    }
    case "file":
      return parseFilePart(p, path);
    default:
      // A part type the gateway does not model yet: forwarded whole to OpenAI-compatible upstreams.
      return { part: { case: undefined }, extraJson: toExtraJson(restOf(p, NO_KEYS)) };
  }
}

function parseFilePart(p: JsonObject, path: string): PartInit {
  const o = f.requiredObject(p, "file", path);
  const at = fieldPath(path, "file");
  const value = {
    fileId: f.string(o, "file_id", at),
    fileData: f.string(o, "file_data", at),
    filename: f.string(o, "filename", at),
  };
  return { part: { case: "file", value }, extraJson: partRest(p, "file", restOf(o, FILE_KEYS)) };
}

/** The extra_json of a part: its unknown fields, plus the unknown fields of its payload object. */
function partRest(p: JsonObject, key: string, nested?: JsonObject): string {
  return toExtraJson(nestRest(restOf(p, PART_KEYS.get(key) ?? NO_KEYS), key, nested));
}

/**
 * Reads an assistant tool call. A custom tool call ({custom: {name, input}}) is carried in the same
 * shape as a function call, told apart by its type. ToolCall has no extra_json, so unknown fields
 * (an `index` left over from accumulating a stream) are dropped, as OpenAI ignores them.
 */
export function parseToolCall(value: unknown, path: string): ToolCallInit {
  const c = f.item(value, path);
  const id = f.requiredString(c, "id", path);
  const type = f.requiredString(c, "type", path);
  if (type === "custom") {
    const o = f.requiredObject(c, "custom", path);
    const at = fieldPath(path, "custom");
    return {
      id,
      type,
      function: { name: f.requiredString(o, "name", at), arguments: f.requiredString(o, "input", at) },
    };
  }
  const o = f.requiredObject(c, "function", path);
  const at = fieldPath(path, "function");
  return {
    id,
    type,
    function: { name: f.requiredString(o, "name", at), arguments: f.requiredString(o, "arguments", at) },
  };
}
