// OpenAI tools, tool_choice and response_format -> canonical. JSON Schemas are carried as JSON text.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { llm } from "@switchyard/proto";
import { clientFields as f } from "./fields.js";
import { fieldPath, isObject, itemPath, type JsonObject, nestRest, restOf, toExtraJson } from "./json.js";

type ToolInit = MessageInitShape<typeof llm.ToolSchema>;
type ToolChoiceInit = MessageInitShape<typeof llm.ToolChoiceSchema>;
type ResponseFormatInit = MessageInitShape<typeof llm.ResponseFormatSchema>;

const TOOL_KEYS = new Set(["type", "function"]);
const TYPE_KEYS = new Set(["type"]);
const FUNCTION_KEYS = new Set(["name", "description", "parameters", "strict"]);
const NAME_KEYS = new Set(["name"]);
const FORMAT_KEYS = new Set(["type", "json_schema"]);
const SCHEMA_KEYS = new Set(["name", "description", "schema", "strict"]);
const MODES = new Set(["none", "auto", "required"]);

/** Reads `tools`. Non-function tools (custom) keep everything but their type in extra_json. */
export function parseTools(body: JsonObject): ToolInit[] | undefined {
  return f.array(body, "tools", "")?.map((t, i) => parseTool(t, itemPath("tools", i)));
}

function parseTool(value: unknown, path: string): ToolInit {
  const t = f.item(value, path);
  const type = f.requiredString(t, "type", path);
  if (type !== "function") return { type, extraJson: toExtraJson(restOf(t, TYPE_KEYS)) };
  const fn = f.requiredObject(t, "function", path);
  const at = fieldPath(path, "function");
  return {
    type,
    function: {
      name: f.requiredString(fn, "name", at),
      description: f.string(fn, "description", at),
      parametersJson: schemaText(fn, "parameters", at),
      strict: f.boolean(fn, "strict", at),
    },
    extraJson: toExtraJson(nestRest(restOf(t, TOOL_KEYS), "function", restOf(fn, FUNCTION_KEYS))),
  };
}

/** A JSON Schema object as JSON text; "" when absent. */
function schemaText(obj: JsonObject, key: string, path: string): string {
  const schema = f.object(obj, key, path);
  return schema === undefined ? "" : JSON.stringify(schema);
}

/**
 * Reads `tool_choice`. A mode or a named function is modelled; other choices (allowed_tools, custom)
 * are put in `rest` verbatim for extra_json, leaving the canonical choice unset.
 */
export function parseToolChoice(body: JsonObject, rest: JsonObject): ToolChoiceInit | undefined {
  const value = body["tool_choice"];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && MODES.has(value)) return { choice: { case: "mode", value } };
  if (!isObject(value)) throw f.fail("tool_choice", 'expected "none", "auto", "required" or an object naming a tool');
  const type = f.requiredString(value, "type", "tool_choice");
  if (type !== "function") {
    rest["tool_choice"] = value;
    return undefined;
  }
  const fn = f.requiredObject(value, "function", "tool_choice");
  const nested = nestRest(restOf(value, TOOL_KEYS), "function", restOf(fn, NAME_KEYS));
  if (nested !== undefined) rest["tool_choice"] = nested;
  return { choice: { case: "functionName", value: f.requiredString(fn, "name", "tool_choice.function") } };
}

/** Reads `response_format`; unknown fields (a provider's `schema` beside json_object) go to `rest`. */
export function parseResponseFormat(body: JsonObject, rest: JsonObject): ResponseFormatInit | undefined {
  const rf = f.object(body, "response_format", "");
  if (rf === undefined) return undefined;
  const type = f.requiredString(rf, "type", "response_format");
  if (type !== "json_schema") {
    const nested = restOf(rf, TYPE_KEYS);
    if (nested !== undefined) rest["response_format"] = nested;
    return { type };
  }
  const js = f.requiredObject(rf, "json_schema", "response_format");
  const at = "response_format.json_schema";
  const jsonSchema = {
    name: f.requiredString(js, "name", at),
    description: f.string(js, "description", at),
    schemaJson: schemaText(js, "schema", at),
    strict: f.boolean(js, "strict", at),
  };
  const nested = nestRest(restOf(rf, FORMAT_KEYS), "json_schema", restOf(js, SCHEMA_KEYS));
  if (nested !== undefined) rest["response_format"] = nested;
  return { type, jsonSchema };
}
