// Canonical chat request -> Cortex `inference:complete` body (the CompleteRequest schema of
// https://github.com/snowflakedb/snowflake-rest-api-specs, specifications/cortex-inference.yaml). Messages keep
// OpenAI's roles with text `content`; tool calls and results travel in `content_list` the way LiteLLM's snowflake
// transformation sends them: an assistant turn lists `{"type": "tool_use", "tool_use": {tool_use_id, name, input}}`,
// and tool results become a user turn of `{"type": "tool_results", "tool_results": {tool_use_id, name, content}}`
// (consecutive results share one turn, since Cortex wants user and assistant turns to alternate). Tools are
// `{"tool_spec": {"type": "generic", name, description, input_schema}}`, `tool_choice` is `{type, name: [...]}`, and
// JSON mode is `response_format: {"type": "json", "schema"}`.

import type { llm } from "@switchyard/proto";
import { translationError, unsupportedParam } from "../errors.js";
import { asArray, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { openAIBody, otherPartTypes, textOf } from "../openai-body.js";
import type { AttemptContext } from "../types.js";

/** Cortex settings a client may pass as extra body fields, or a deployment as litellm_params. */
const OWN = ["guardrails", "provisioned_throughput_id"] as const;
const HANDLED = new Set<string>([
  ...OWN,
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "response_format",
  "tools",
  "tool_choice",
]);

/** The exact body posted to `inference:complete`. */
export function toSnowflakeRequest(req: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): JsonObject {
  const body = openAIBody(req, ctx, HANDLED);
  const dep = ctx.deployment;
  const out: JsonObject = { model: dep.model, messages: messagesOf(asArray(body.messages), ctx), stream };
  if (body.temperature !== undefined) out.temperature = body.temperature;
  if (body.top_p !== undefined) out.top_p = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  const format = formatOf(asObject(body.response_format));
  if (format) out.response_format = format;
  const tools = asArray(body.tools).map((t, i) => toolOf(asObject(t) ?? {}, i, ctx));
  if (tools.length > 0) out.tools = tools;
  if (body.tool_choice !== undefined && tools.length > 0) out.tool_choice = toolChoiceOf(body.tool_choice, tools);
  for (const field of OWN) {
    const value = body[field] ?? dep.params[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** OpenAI's `response_format` as Cortex's: a JSON schema, `{"type": "object"}` for plain JSON mode, none for text. */
function formatOf(format: JsonObject | undefined): JsonObject | undefined {
  if (!format || format.type === "text") return undefined;
  const schema = asObject(asObject(format.json_schema)?.schema) ?? { type: "object" };
  return { type: "json", schema };
}

function toolOf(tool: JsonObject, i: number, ctx: AttemptContext): JsonObject {
  const fn = asObject(tool.function);
  if (tool.type !== "function" || !fn)
    throw unsupportedParam(ctx.deployment, `tools[${i}].type`, `"${String(tool.type)}"`);
  const spec: JsonObject = {
    type: "generic",
    name: fn.name,
    input_schema: asObject(fn.parameters) ?? { type: "object", properties: {} },
  };
  if (typeof fn.description === "string") spec.description = fn.description;
  return { tool_spec: spec };
}

/** `auto` and `none` as they are, `required` naming every tool (as LiteLLM sends it), a named function `tool`. */
function toolChoiceOf(choice: unknown, tools: JsonObject[]): JsonObject {
  if (typeof choice === "string") {
    const names = tools.map((t) => asObject(t.tool_spec)?.name);
    return choice === "required" ? { type: "required", name: names } : { type: choice };
  }
  return { type: "tool", name: [asObject(asObject(choice)?.function)?.name] };
}

function messagesOf(messages: unknown[], ctx: AttemptContext): JsonObject[] {
  const names = new Map<string, string>();
  const out: JsonObject[] = [];
  for (const [i, value] of messages.entries()) {
    const m = asObject(value) ?? {};
    const path = `messages[${i}]`;
    const other = otherPartTypes(m.content);
    if (asArray(m.content).some((p) => asObject(p)?.type === "image_url")) other.push("image_url");
    if (other.length > 0) throw unsupportedParam(ctx.deployment, `${path}.content`, `part type "${other[0]}"`);
    const content = textOf(m.content);
    if (m.role === "tool") {
      const id = asString(m.tool_call_id) ?? "";
      const result = {
        tool_use_id: id,
        name: names.get(id) ?? asString(m.name) ?? "",
        content: [{ type: "text", text: content }],
      };
      const item = { type: "tool_results", tool_results: result };
      const last = out.at(-1);
      if (last?.role === "user" && asArray(last.content_list).some((c) => asObject(c)?.type === "tool_results")) {
        (last.content_list as unknown[]).push(item);
      } else out.push({ role: "user", content: "", content_list: [item] });
      continue;
    }
    const role = m.role === "developer" ? "system" : (asString(m.role) ?? "user");
    const calls = asArray(m.tool_calls);
    if (role !== "assistant" || calls.length === 0) {
      out.push({ role, content });
      continue;
    }
    const uses = calls.map((c, j) => toolUseOf(asObject(c) ?? {}, `${path}.tool_calls[${j}]`, ctx));
    for (const use of uses) names.set(String(use.tool_use.tool_use_id), String(use.tool_use.name));
    out.push({ role, content, content_list: uses });
  }
  return out;
}

function toolUseOf(call: JsonObject, path: string, ctx: AttemptContext): { type: string; tool_use: JsonObject } {
  const fn = asObject(call.function) ?? {};
  const args = asString(fn.arguments) ?? "{}";
  const input = asObject(tryParse(args || "{}"));
  if (!input) throw translationError(ctx.deployment, `${path}.function.arguments is not a JSON object`, path);
  return { type: "tool_use", tool_use: { tool_use_id: asString(call.id) ?? "", name: asString(fn.name) ?? "", input } };
}
