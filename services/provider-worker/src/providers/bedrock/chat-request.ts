// Canonical chat request -> Converse request body
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). Pure. The model id travels in
// the URL, not the body. Parameters Converse cannot honour are refused with a 400 naming them, unless the deployment
// sets `drop_params: true` (LiteLLM's behaviour).

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { translationError, unsupportedParam } from "../errors.js";
import { asObject, type JsonObject, objectOf, tryParse } from "../json.js";
import { CACHE_POINT, toConverseConversation } from "./messages.js";

/**
 * The tool JSON mode forces, as LiteLLM does for Converse: its input schema is the requested JSON schema, and its
 * input comes back to the client as the message content.
 */
export const JSON_TOOL_NAME = "json_tool_call";

/** Converse's own top-level fields a client may send as unmodelled request fields; forwarded as they are. */
const NATIVE_FIELDS = new Set([
  "guardrailConfig",
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
  "performanceConfig",
  "requestMetadata",
]);

type Dep = Pick<Deployment, "provider" | "id" | "params">;

/** The body and how to read the answer. */
export interface ConverseRequest {
  readonly body: JsonObject;
  /** True when response_format was turned into the forced JSON tool. */
  readonly jsonMode: boolean;
}

/** Builds the exact JSON body sent to `/converse` or `/converse-stream` (they take the same body). */
export function toConverseRequest(req: llm.ChatCompletionRequest, dep: Dep): ConverseRequest {
  const native = checkSupported(req, dep);
  const conversation = toConverseConversation(req.messages, dep);
  const body: JsonObject = { messages: conversation.messages };
  if (conversation.system.length > 0) body.system = conversation.system;
  const inference = inferenceConfig(req, dep);
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  const jsonMode = jsonSchemaOf(req, dep);
  const toolConfig = jsonMode ? jsonToolConfig(jsonMode) : tools(req, dep, conversation.usesTools);
  if (toolConfig) body.toolConfig = toolConfig;
  Object.assign(body, native);
  return { body, jsonMode: jsonMode !== undefined };
}

/** Refuses (or, with drop_params, ignores) what Converse lacks; returns the fields forwarded as they are. */
function checkSupported(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  const drop = dep.params.drop_params === true;
  const refuse = (param: string, detail = "") => {
    if (!drop) throw unsupportedParam(dep, param, detail);
  };
  if (req.n !== undefined && req.n > 1) refuse("n");
  // A zero penalty is the default and changes nothing, so clients that always send one still work.
  if (req.presencePenalty) refuse("presence_penalty");
  if (req.frequencyPenalty) refuse("frequency_penalty");
  if (req.seed !== undefined) refuse("seed");
  if (req.reasoningEffort !== undefined) refuse("reasoning_effort");
  if (req.parallelToolCalls === false) refuse("parallel_tool_calls", "(Converse cannot turn parallel tool calls off)");
  const format = req.responseFormat?.type ?? "";
  if (format !== "" && format !== "text" && req.tools.length > 0) {
    refuse("response_format", "together with tools (JSON mode is a forced tool call on Bedrock)");
  }
  const extra = objectOf(req.extraJson);
  const forwarded: JsonObject = {};
  for (const [key, value] of Object.entries(extra)) {
    if (NATIVE_FIELDS.has(key)) forwarded[key] = value;
    else if (key !== "top_k" && value !== null && value !== false) refuse(key);
  }
  // LiteLLM hands top_k to the model through additionalModelRequestFields, under the name Anthropic and Mistral read.
  if (typeof extra.top_k === "number") {
    forwarded.additionalModelRequestFields = {
      ...asObject(forwarded.additionalModelRequestFields),
      top_k: extra.top_k,
    };
  } else if (extra.top_k !== undefined && extra.top_k !== null) {
    refuse("top_k");
  }
  return forwarded;
}

/** maxTokens (max_completion_tokens, then max_tokens, then the deployment's `max_tokens`), temperature, topP, stop. */
function inferenceConfig(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  const out: JsonObject = {};
  const configured = typeof dep.params.max_tokens === "number" ? dep.params.max_tokens : undefined;
  const maxTokens = req.maxCompletionTokens ?? req.maxTokens ?? configured;
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.topP = req.topP;
  if (req.stop.length > 0) out.stopSequences = [...req.stop];
  return out;
}

interface JsonSchemaMode {
  readonly schema: JsonObject;
  readonly description: string;
}

/** The schema JSON mode constrains the answer to, when response_format asks for JSON (and tools did not refuse it). */
function jsonSchemaOf(req: llm.ChatCompletionRequest, dep: Dep): JsonSchemaMode | undefined {
  const format = req.responseFormat;
  if (!format || req.tools.length > 0) return undefined;
  if (format.type === "json_object") {
    return { schema: { type: "object" }, description: "Respond with a JSON object." };
  }
  if (format.type !== "json_schema") return undefined;
  const raw = format.jsonSchema?.schemaJson ?? "";
  const schema = asObject(tryParse(raw));
  if (!schema) {
    throw translationError(dep, "response_format.json_schema.schema must be a JSON object", "response_format");
  }
  return { schema, description: format.jsonSchema?.description || "Respond with JSON that matches the schema." };
}

function jsonToolConfig(mode: JsonSchemaMode): JsonObject {
  const spec = { name: JSON_TOOL_NAME, description: mode.description, inputSchema: { json: mode.schema } };
  return { tools: [{ toolSpec: spec }], toolChoice: { tool: { name: JSON_TOOL_NAME } } };
}

/**
 * `toolConfig` from tools and tool_choice. Converse has no "none": the tools are then left out, which it allows only
 * in a conversation without tool calls, so a conversation with them is refused rather than answered with tools on.
 */
function tools(req: llm.ChatCompletionRequest, dep: Dep, usesTools: boolean): JsonObject | undefined {
  if (req.tools.length === 0) return undefined;
  const choice = req.toolChoice?.choice;
  if (choice?.case === "mode" && choice.value === "none") {
    if (usesTools) {
      throw translationError(
        dep,
        `${dep.provider} cannot honour tool_choice "none" in a conversation with tool calls`,
        "tool_choice",
      );
    }
    return undefined;
  }
  const specs = req.tools.flatMap((tool, i) => toolSpec(tool, `tools[${i}]`, dep));
  const toolChoice = toolChoiceOf(choice, dep);
  return toolChoice ? { tools: specs, toolChoice } : { tools: specs };
}

function toolSpec(tool: llm.Tool, at: string, dep: Dep): JsonObject[] {
  if (tool.type !== "function" || !tool.function) throw unsupportedParam(dep, `${at}.type`, `"${tool.type}"`);
  const fn = tool.function;
  const schema = fn.parametersJson ? asObject(tryParse(fn.parametersJson)) : { type: "object", properties: {} };
  if (!schema) {
    throw translationError(dep, `${at}.function.parameters must be a JSON object`, `${at}.function.parameters`);
  }
  const spec: JsonObject = { name: fn.name };
  if (fn.description) spec.description = fn.description;
  spec.inputSchema = { json: schema };
  const cached = objectOf(tool.extraJson).cache_control !== undefined;
  return cached ? [{ toolSpec: spec }, CACHE_POINT] : [{ toolSpec: spec }];
}

function toolChoiceOf(choice: llm.ToolChoice["choice"] | undefined, dep: Dep): JsonObject | undefined {
  if (choice?.case === "functionName") return { tool: { name: choice.value } };
  if (choice?.case !== "mode") return undefined;
  switch (choice.value) {
    case "auto":
      return { auto: {} };
    case "required":
      return { any: {} };
    default:
      throw translationError(dep, `tool_choice "${choice.value}" is not one of none, auto, required`, "tool_choice");
  }
}
