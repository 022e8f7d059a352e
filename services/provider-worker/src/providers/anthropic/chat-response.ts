// Anthropic Messages response -> canonical (OpenAI-shaped) chat completion. Pure; the caller passes the
// gateway clock because Anthropic responses carry no timestamp.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../json.js";

/** Anthropic stop_reason -> OpenAI finish_reason; unknown or null reasons read as "stop". */
export function finishReasonOf(stopReason: unknown): string {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn
      return "stop";
  }
}

/** Anthropic's running token counts. */
export interface AnthropicUsage {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
}

/** Reads a `usage` object into `into`, keeping counts the object does not mention. */
export function readUsage(value: unknown, into: AnthropicUsage): AnthropicUsage {
  const u = asObject(value) ?? {};
  into.input = asNumber(u.input_tokens) ?? into.input;
  into.cacheRead = asNumber(u.cache_read_input_tokens) ?? into.cacheRead;
  into.cacheCreation = asNumber(u.cache_creation_input_tokens) ?? into.cacheCreation;
  into.output = asNumber(u.output_tokens) ?? into.output;
  return into;
}

/**
 * Canonical usage: Anthropic's `input_tokens` excludes cache reads and writes, OpenAI's prompt_tokens
 * includes them, so prompt = input + cache read + cache creation.
 */
export function toUsage(u: AnthropicUsage): llm.Usage {
  const prompt = u.input + u.cacheRead + u.cacheCreation;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: u.output,
    totalTokens: prompt + u.output,
    cachedTokens: u.cacheRead,
    cacheCreationTokens: u.cacheCreation,
  });
}

/** Chat completion ids keep Anthropic's message id so logs on both sides line up. */
export function completionId(messageId: string): string {
  return `chatcmpl-${messageId}`;
}

/** Translates a non-streamed Messages response; `created` is the gateway clock in seconds. */
export function fromMessagesResponse(json: unknown, created: number, dep: DeploymentRef): llm.ChatCompletion {
  const msg = asObject(json);
  const id = asString(msg?.id);
  if (!msg || !id || !Array.isArray(msg.content)) throw malformedUpstream(dep, "response is not an Anthropic message");
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: llm.ToolCall[] = [];
  for (const block of asArray(msg.content).map(asObject)) {
    collectBlock(block ?? {}, text, reasoning, toolCalls);
  }
  const message = create(llm.AssistantMessageSchema, { toolCalls });
  if (text.length > 0) message.content = text.join("");
  if (reasoning.length > 0) message.reasoningContent = reasoning.join("");
  return create(llm.ChatCompletionSchema, {
    id: completionId(id),
    created,
    model: asString(msg.model) ?? "",
    choices: [{ index: 0, message, finishReason: finishReasonOf(msg.stop_reason) }],
    usage: toUsage(readUsage(msg.usage, { input: 0, cacheRead: 0, cacheCreation: 0, output: 0 })),
  });
}

/** Text joins the content, tool_use becomes a tool call, thinking the reasoning; other blocks are skipped. */
function collectBlock(block: JsonObject, text: string[], reasoning: string[], toolCalls: llm.ToolCall[]): void {
  switch (block.type) {
    case "text":
      text.push(asString(block.text) ?? "");
      return;
    case "thinking":
      reasoning.push(asString(block.thinking) ?? "");
      return;
    case "tool_use":
      toolCalls.push(
        create(llm.ToolCallSchema, {
          id: asString(block.id) ?? "",
          type: "function",
          function: { name: asString(block.name) ?? "", arguments: JSON.stringify(block.input ?? {}) },
        }),
      );
      return;
    default:
    // redacted_thinking, server tool blocks: nothing in the OpenAI shape carries them
  }
}
