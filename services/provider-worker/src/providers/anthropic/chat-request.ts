// Canonical chat request -> Anthropic Messages request body (https://docs.anthropic.com/en/api/messages).
// Pure: no I/O, no clock. Parameters Anthropic cannot honour are refused with a 400 naming them, unless
// the deployment sets `drop_params: true`, in which case they are dropped (LiteLLM's behaviour).

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { translationError, unsupportedParam } from "../errors.js";
import { asObject, type JsonObject, objectOf, tryParse } from "../json.js";
import { toConversation, withCacheControl } from "./messages.js";

/**
 * `max_tokens` is required by Anthropic; when the request names none the deployment's `max_tokens`
 * param is used, else this. 4096 is the largest output every current Claude model accepts.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** `reasoning_effort` -> extended-thinking budget, as LiteLLM maps it; "minimal" turns thinking off. */
const THINKING_BUDGETS: Readonly<Record<string, number>> = { minimal: 0, low: 1024, medium: 2048, high: 4096 };

/** Unmodelled request fields that are Anthropic's own and are forwarded; every other one is unsupported. */
const NATIVE_EXTRA = new Set(["top_k", "thinking"]);

type Dep = Pick<Deployment, "provider" | "id" | "model" | "params">;

/** Builds the exact JSON body sent to `/v1/messages`; throws INVALID_REQUEST for what cannot be sent. */
export function toMessagesRequest(req: llm.ChatCompletionRequest, dep: Dep, stream: boolean): JsonObject {
  const extra = checkSupported(req, dep);
  const { system, messages } = toConversation(req.messages, dep);
  const body: JsonObject = { model: dep.model, max_tokens: 0, messages };
  if (system !== undefined) body.system = system;
  if (req.stop.length > 0) body.stop_sequences = [...req.stop];
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.user) body.metadata = { user_id: req.user };
  Object.assign(body, toolFields(req, dep), extra);
  body.max_tokens = applyThinking(req, dep, body);
  if (stream) body.stream = true;
  return body;
}

/** Refuses (or, with drop_params, ignores) what Anthropic lacks; returns the forwardable extra fields. */
function checkSupported(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  const drop = dep.params.drop_params === true;
  const refuse = (param: string) => {
    if (!drop) throw unsupportedParam(dep, param);
  };
  if (req.n !== undefined && req.n > 1) refuse("n");
  const format = req.responseFormat?.type ?? "";
  if (format !== "" && format !== "text") refuse("response_format");
  // A zero penalty is the default and changes nothing, so clients that always send one still work.
  if (req.presencePenalty) refuse("presence_penalty");
  if (req.frequencyPenalty) refuse("frequency_penalty");
  if (req.seed !== undefined) refuse("seed");
  const forwarded: JsonObject = {};
  for (const [key, value] of Object.entries(objectOf(req.extraJson))) {
    if (NATIVE_EXTRA.has(key)) forwarded[key] = value;
    else if (value !== null && value !== false) refuse(key);
  }
  return forwarded;
}

function toolFields(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  if (req.tools.length === 0) return {};
  const tools = req.tools.map((tool, i) => {
    const at = `tools[${i}]`;
    if (tool.type !== "function" || !tool.function) throw unsupportedParam(dep, `${at}.type`, `"${tool.type}"`);
    const fn = tool.function;
    const schema = fn.parametersJson ? asObject(tryParse(fn.parametersJson)) : { type: "object", properties: {} };
    if (!schema)
      throw translationError(dep, `${at}.function.parameters must be a JSON object`, `${at}.function.parameters`);
    const out: JsonObject = { name: fn.name };
    if (fn.description) out.description = fn.description;
    out.input_schema = schema;
    return withCacheControl(out, tool.extraJson);
  });
  const choice = toolChoice(req, dep);
  return choice ? { tools, tool_choice: choice } : { tools };
}

function toolChoice(req: llm.ChatCompletionRequest, dep: Dep): JsonObject | undefined {
  const choice = req.toolChoice?.choice;
  let out: JsonObject | undefined;
  if (choice?.case === "functionName") out = { type: "tool", name: choice.value };
  else if (choice?.case === "mode") out = { type: modeType(choice.value, dep) };
  // parallel_tool_calls: false has to ride on a tool_choice; "none" takes no options.
  if (req.parallelToolCalls === false && out?.type !== "none") {
    out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  return out;
}

function modeType(mode: string, dep: Dep): string {
  switch (mode) {
    case "auto":
      return "auto";
    case "required":
      return "any";
    case "none":
      return "none";
    default:
      throw translationError(dep, `tool_choice "${mode}" is not one of none, auto, required`, "tool_choice");
  }
}

/** Chooses max_tokens and adds `thinking` for `reasoning_effort`; the budget must fit below max_tokens. */
function applyThinking(req: llm.ChatCompletionRequest, dep: Dep, body: JsonObject): number {
  const explicit = req.maxCompletionTokens ?? req.maxTokens;
  const configured = typeof dep.params.max_tokens === "number" ? dep.params.max_tokens : undefined;
  const maxTokens = explicit ?? configured ?? DEFAULT_MAX_TOKENS;
  const effort = req.reasoningEffort;
  if (effort === undefined || body.thinking !== undefined) return maxTokens;
  const budget = THINKING_BUDGETS[effort];
  if (budget === undefined) {
    throw translationError(
      dep,
      `reasoning_effort "${effort}" is not one of minimal, low, medium, high`,
      "reasoning_effort",
    );
  }
  if (budget === 0) return maxTokens;
  body.thinking = { type: "enabled", budget_tokens: budget };
  if (maxTokens > budget) return maxTokens;
  if (explicit !== undefined) {
    throw translationError(
      dep,
      `max_tokens must exceed the ${budget}-token thinking budget of reasoning_effort "${effort}"`,
      "max_tokens",
    );
  }
  return budget + maxTokens;
}
