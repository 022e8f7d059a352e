// Canonical chat request -> Cohere v2 chat body (https://docs.cohere.com/reference/chat). Pure. Parameters Cohere
// cannot honour are refused with a 400 naming them, unless the deployment sets `drop_params: true` (LiteLLM's rule).

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { translationError, unsupportedParam } from "../errors.js";
import { asObject, type JsonObject, objectOf, tryParse } from "../json.js";
import { toCohereMessages } from "./messages.js";

/** Cohere's own request fields a client may send unmodelled; forwarded as they are. `top_k` is LiteLLM's name of `k`. */
const NATIVE_EXTRA: ReadonlyMap<string, string> = new Map([
  ["k", "k"],
  ["top_k", "k"],
  ["safety_mode", "safety_mode"],
  ["documents", "documents"],
  ["citation_options", "citation_options"],
  ["strict_tools", "strict_tools"],
  ["thinking", "thinking"],
]);

type Dep = Pick<Deployment, "provider" | "id" | "model" | "params">;

/** Builds the exact JSON body sent to `/v2/chat`; throws INVALID_REQUEST for what cannot be sent. */
export function toCohereChatRequest(req: llm.ChatCompletionRequest, dep: Dep, stream: boolean): JsonObject {
  const refuse = refuser(dep);
  const extra = checkSupported(req, refuse);
  const body: JsonObject = { model: dep.model, messages: toCohereMessages(req.messages, dep) };
  Object.assign(body, toolFields(req, dep, refuse));
  const maxTokens = req.maxCompletionTokens ?? req.maxTokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (req.stop.length > 0) body.stop_sequences = [...req.stop];
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.p = req.topP;
  if (req.seed !== undefined) body.seed = Number(req.seed);
  if (req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty;
  if (req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty;
  const format = responseFormat(req, dep);
  if (format) body.response_format = format;
  Object.assign(body, extra);
  if (stream) body.stream = true;
  return body;
}

type Refuse = (param: string) => void;

/** A 400 naming the parameter, or nothing under drop_params (the parameter is then left out). */
function refuser(dep: Dep): Refuse {
  const drop = dep.params.drop_params === true;
  return (param) => {
    if (!drop) throw unsupportedParam(dep, param);
  };
}

/**
 * Refuses what Cohere lacks and returns the forwardable unmodelled fields. `user` and `metadata` only identify the
 * caller and change nothing in the answer, so they are left out rather than refused: OpenAI clients send them freely.
 */
function checkSupported(req: llm.ChatCompletionRequest, refuse: Refuse): JsonObject {
  if (req.n !== undefined && req.n > 1) refuse("n");
  if (req.reasoningEffort !== undefined) refuse("reasoning_effort");
  if (req.parallelToolCalls === false) refuse("parallel_tool_calls");
  const forwarded: JsonObject = {};
  for (const [key, value] of Object.entries(objectOf(req.extraJson))) {
    const native = NATIVE_EXTRA.get(key);
    if (native) forwarded[native] = value;
    else if (value !== null && value !== false) refuse(key);
  }
  return forwarded;
}

function toolFields(req: llm.ChatCompletionRequest, dep: Dep, refuse: Refuse): JsonObject {
  const out: JsonObject = {};
  if (req.tools.length > 0) {
    out.tools = req.tools.map((tool, i) => {
      const at = `tools[${i}]`;
      if (tool.type !== "function" || !tool.function) throw unsupportedParam(dep, `${at}.type`, `"${tool.type}"`);
      const fn = tool.function;
      const parameters = fn.parametersJson ? asObject(tryParse(fn.parametersJson)) : { type: "object", properties: {} };
      if (!parameters) {
        throw translationError(dep, `${at}.function.parameters must be a JSON object`, `${at}.function.parameters`);
      }
      const definition: JsonObject = { name: fn.name };
      if (fn.description) definition.description = fn.description;
      definition.parameters = parameters;
      return { type: "function", function: definition };
    });
    // Cohere's strictness is per request; any strict function asks for it.
    if (req.tools.some((tool) => tool.function?.strict === true)) out.strict_tools = true;
  }
  const choice = req.toolChoice?.choice;
  if (choice?.case === "functionName") refuse("tool_choice");
  else if (choice?.case === "mode") {
    if (choice.value === "required") out.tool_choice = "REQUIRED";
    else if (choice.value === "none") out.tool_choice = "NONE";
    else if (choice.value !== "auto") {
      throw translationError(dep, `tool_choice "${choice.value}" is not one of none, auto, required`, "tool_choice");
    }
  }
  return out;
}

/** `json_object` as is; `json_schema` as Cohere's `json_object` with `json_schema` (its structured outputs). */
function responseFormat(req: llm.ChatCompletionRequest, dep: Dep): JsonObject | undefined {
  const format = req.responseFormat;
  if (!format || format.type === "" || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type !== "json_schema") {
    throw translationError(dep, `response_format type "${format.type}" is not supported`, "response_format.type");
  }
  const schema = asObject(tryParse(format.jsonSchema?.schemaJson ?? ""));
  if (!schema) {
    throw translationError(dep, "response_format.json_schema.schema must be a JSON object", "response_format");
  }
  return { type: "json_object", json_schema: schema };
}
