// Converse response -> canonical (OpenAI-shaped) chat completion
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax).
// Pure; Converse answers carry no id, model or timestamp, so the caller passes them.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../json.js";
import { JSON_TOOL_NAME } from "./chat-request.js";

/** What the caller knows about the answer. */
export interface AnswerContext {
  /** The completion id, `chatcmpl-...`. */
  readonly id: string;
  /** The gateway clock, in seconds. */
  readonly created: number;
  /** The Bedrock model id that answered. */
  readonly model: string;
  /** True when the JSON tool stands for response_format: its input is the content. */
  readonly jsonMode: boolean;
}

/**
 * Converse stopReason -> OpenAI finish_reason. A guardrail or content filter stopping the answer is OpenAI's
 * `content_filter`; unknown reasons read as "stop".
 */
export function finishReasonOf(stopReason: unknown, jsonMode: boolean): string {
  switch (stopReason) {
    case "tool_use":
      return jsonMode ? "stop" : "tool_calls";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    default:
      // end_turn, stop_sequence
      return "stop";
  }
}

/**
 * Canonical usage. Bedrock's `inputTokens` excludes prompt-cache reads and writes (reported as cacheReadInputTokens
 * and cacheWriteInputTokens); OpenAI's prompt_tokens includes them.
 */
export function usageOf(value: unknown): llm.Usage {
  const u = asObject(value) ?? {};
  const read = asNumber(u.cacheReadInputTokens) ?? 0;
  const write = asNumber(u.cacheWriteInputTokens) ?? 0;
  const prompt = (asNumber(u.inputTokens) ?? 0) + read + write;
  const completion = asNumber(u.outputTokens) ?? 0;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cachedTokens: read,
    cacheCreationTokens: write,
  });
}

/** Translates a non-streamed Converse response. */
export function fromConverseResponse(json: unknown, answer: AnswerContext, dep: DeploymentRef): llm.ChatCompletion {
  const body = asObject(json);
  const message = asObject(asObject(body?.output)?.message);
  if (!body || !message || !Array.isArray(message.content)) {
    throw malformedUpstream(dep, "response is not a Converse answer");
  }
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: llm.ToolCall[] = [];
  for (const block of asArray(message.content).map(asObject)) {
    collectBlock(block ?? {}, answer.jsonMode, { text, reasoning, toolCalls });
  }
  const out = create(llm.AssistantMessageSchema, { toolCalls });
  if (text.length > 0) out.content = text.join("");
  if (reasoning.length > 0) out.reasoningContent = reasoning.join("");
  return create(llm.ChatCompletionSchema, {
    id: answer.id,
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message: out, finishReason: finishReasonOf(body.stopReason, answer.jsonMode) }],
    usage: usageOf(body.usage),
  });
}

interface Collected {
  text: string[];
  reasoning: string[];
  toolCalls: llm.ToolCall[];
}

/** Text joins the content, toolUse becomes a tool call (or, in JSON mode, the content), reasoning the reasoning. */
function collectBlock(block: JsonObject, jsonMode: boolean, into: Collected): void {
  if (typeof block.text === "string") {
    into.text.push(block.text);
    return;
  }
  const use = asObject(block.toolUse);
  if (use) {
    const input = JSON.stringify(use.input ?? {});
    if (jsonMode && use.name === JSON_TOOL_NAME) {
      into.text.push(input);
      return;
    }
    into.toolCalls.push(
      create(llm.ToolCallSchema, {
        id: asString(use.toolUseId) ?? "",
        type: "function",
        function: { name: asString(use.name) ?? "", arguments: input },
      }),
    );
    return;
  }
  const reasoning = asString(asObject(asObject(block.reasoningContent)?.reasoningText)?.text);
  if (reasoning !== undefined) into.reasoning.push(reasoning);
  // redacted reasoning, citations, images: nothing in the OpenAI shape carries them
}
