// An Anthropic `POST /v1/messages` (or `/v1/messages/count_tokens`) body -> the canonical ChatCompletionRequest, so
// Anthropic SDK clients reach any provider (https://docs.anthropic.com/en/api/messages). Fields the canonical request
// cannot carry are refused with a 400 naming them, never silently dropped.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { cacheOf, parseConversation, parseSystem } from "./anthropic-content.js";
import { clientFields as f } from "./fields.js";
import { fieldPath, findHazard, INT32_MAX, isObject, itemPath, type JsonObject, toExtraJson } from "./json.js";

type ToolInit = MessageInitShape<typeof llm.ToolSchema>;
type ToolChoiceInit = MessageInitShape<typeof llm.ToolChoiceSchema>;

/** The top-level fields of a Messages request the gateway translates; any other field is refused. */
export const ANTHROPIC_FIELDS: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "system",
  "max_tokens",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "metadata",
  "stream",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
]);

/**
 * Extended-thinking budgets -> canonical `reasoning_effort`: the largest effort whose budget (as the Anthropic adapter
 * maps it back: low 1024, medium 2048, high 4096 tokens) the client's budget reaches.
 */
const EFFORTS: ReadonlyArray<readonly [number, string]> = [
  [4096, "high"],
  [2048, "medium"],
  [0, "low"],
];

/** Validates a Messages request body and converts it; throws only GatewayError naming the field. */
export function parseMessagesRequest(body: unknown): llm.ChatCompletionRequest {
  return guarded(body, true);
}

/** Validates a count_tokens body: a Messages request without `max_tokens` (and without `stream`). */
export function parseCountTokensRequest(body: unknown): llm.ChatCompletionRequest {
  return guarded(body, false);
}

function guarded(body: unknown, full: boolean): llm.ChatCompletionRequest {
  try {
    return parseBody(body, full);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message: "invalid request body" }, { cause: err });
  }
}

function parseBody(body: unknown, full: boolean): llm.ChatCompletionRequest {
  if (!isObject(body)) throw invalidRequest("request body: expected a JSON object");
  const hazard = findHazard(body);
  if (hazard !== undefined) throw invalidRequest(`${hazard.path}: ${hazard.problem}`, hazard.path);
  for (const key of Object.keys(body)) {
    if (!ANTHROPIC_FIELDS.has(key)) throw f.fail(key, "not supported by the gateway's Messages API");
  }
  const model = f.requiredString(body, "model", "");
  if (model === "") throw f.fail("model", "required");
  const maxTokens = f.integer(body, "max_tokens", "", 1, INT32_MAX);
  if (full && maxTokens === undefined) throw f.fail("max_tokens", "required");
  const stream = full && (f.boolean(body, "stream", "") ?? false);
  const topK = f.integer(body, "top_k", "", 0, INT32_MAX);
  return create(llm.ChatCompletionRequestSchema, {
    model,
    messages: [...parseSystem(body), ...parseConversation(body)],
    tools: parseTools(body),
    toolChoice: parseToolChoice(body),
    parallelToolCalls: disablesParallel(body) ? false : undefined,
    temperature: f.number(body, "temperature", "", 0, 1),
    topP: f.number(body, "top_p", "", 0, 1),
    maxTokens,
    stop: parseStopSequences(body),
    user: parseUser(body),
    stream,
    // The closing message_delta carries the usage, so a stream always asks for it.
    includeUsage: stream,
    reasoningEffort: parseReasoning(body),
    extraJson: topK === undefined ? "" : toExtraJson({ top_k: topK }),
  });
}

function parseStopSequences(body: JsonObject): string[] {
  return (f.array(body, "stop_sequences", "") ?? []).map((s, i) => {
    if (typeof s !== "string") throw f.fail(itemPath("stop_sequences", i), "expected a string");
    return s;
  });
}

/** `metadata.user_id` is the canonical `user`; Anthropic's metadata has no other field. */
function parseUser(body: JsonObject): string | undefined {
  const md = f.object(body, "metadata", "");
  if (md === undefined) return undefined;
  for (const key of Object.keys(md)) {
    if (key !== "user_id") throw f.fail(fieldPath("metadata", key), "not supported (only user_id is)");
  }
  return f.string(md, "user_id", "metadata");
}

/**
 * `reasoning_effort` from `thinking` and `output_config.effort`: an explicit effort wins (xhigh and max read as high,
 * the canonical maximum); else `{type: "enabled", budget_tokens}` maps its budget and `{type: "adaptive"}` reads as
 * medium; `{type: "disabled"}` or no thinking asks for none.
 */
function parseReasoning(body: JsonObject): string | undefined {
  const thinking = f.object(body, "thinking", "");
  const type = thinking === undefined ? undefined : f.requiredString(thinking, "type", "thinking");
  if (type !== undefined && !THINKING_TYPES.has(type)) {
    throw f.fail("thinking.type", 'expected "enabled", "adaptive" or "disabled"');
  }
  if (thinking !== undefined) f.string(thinking, "display", "thinking");
  const effort = parseOutputConfig(body);
  if (type === "disabled") return undefined;
  if (effort !== undefined) return effort;
  if (type === "adaptive") return "medium";
  if (type !== "enabled" || thinking === undefined) return undefined;
  const budget = f.integer(thinking, "budget_tokens", "thinking", 1024, INT32_MAX);
  if (budget === undefined) throw f.fail("thinking.budget_tokens", "required");
  return EFFORTS.find(([min]) => budget >= min)?.[1];
}

const THINKING_TYPES = new Set(["enabled", "adaptive", "disabled"]);
const OUTPUT_EFFORTS: ReadonlyMap<string, string> = new Map([
  ["low", "low"],
  ["medium", "medium"],
  ["high", "high"],
  ["xhigh", "high"],
  ["max", "high"],
]);

/** `output_config.effort`; structured output (`format`) has no translation to every provider yet and is refused. */
function parseOutputConfig(body: JsonObject): string | undefined {
  const config = f.object(body, "output_config", "");
  if (config === undefined) return undefined;
  for (const key of Object.keys(config)) {
    if (key !== "effort") throw f.fail(fieldPath("output_config", key), "not supported (only effort is)");
  }
  const effort = f.string(config, "effort", "output_config");
  if (effort === undefined) return undefined;
  const mapped = OUTPUT_EFFORTS.get(effort);
  if (mapped === undefined) throw f.fail("output_config.effort", 'expected "low", "medium", "high", "xhigh" or "max"');
  return mapped;
}

/** Client tools (`name`, `description`, `input_schema`) as functions; Anthropic's server tools are refused. */
function parseTools(body: JsonObject): ToolInit[] {
  return (f.array(body, "tools", "") ?? []).map((t, i) => {
    const at = itemPath("tools", i);
    const tool = f.item(t, at);
    const type = f.string(tool, "type", at);
    if (type !== undefined && type !== "custom") {
      throw f.fail(fieldPath(at, "type"), `"${type.slice(0, 64)}" is a server tool the gateway cannot run`);
    }
    const schema = f.requiredObject(tool, "input_schema", at);
    return {
      type: "function",
      function: {
        name: f.requiredString(tool, "name", at),
        description: f.string(tool, "description", at),
        parametersJson: JSON.stringify(schema),
      },
      extraJson: cacheOf(tool, at),
    };
  });
}

/** `{type: auto|any|tool|none}` -> mode auto, required, a named function, or none. */
function parseToolChoice(body: JsonObject): ToolChoiceInit | undefined {
  const choice = f.object(body, "tool_choice", "");
  if (choice === undefined) return undefined;
  const type = f.requiredString(choice, "type", "tool_choice");
  switch (type) {
    case "auto":
    case "none":
      return { choice: { case: "mode", value: type } };
    case "any":
      return { choice: { case: "mode", value: "required" } };
    case "tool":
      return { choice: { case: "functionName", value: f.requiredString(choice, "name", "tool_choice") } };
    default:
      throw f.fail("tool_choice.type", 'expected "auto", "any", "tool" or "none"');
  }
}

function disablesParallel(body: JsonObject): boolean {
  const choice = f.object(body, "tool_choice", "");
  return choice !== undefined && f.boolean(choice, "disable_parallel_tool_use", "tool_choice") === true;
}
