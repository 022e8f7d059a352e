// Cohere v2 chat response -> canonical (OpenAI-shaped) chat completion (https://docs.cohere.com/reference/chat).
// Pure; the caller passes the gateway clock and the model, which Cohere's answers do not carry.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../json.js";

/**
 * Cohere's finish_reason -> OpenAI's. ERROR and TIMEOUT (and ERROR_LIMIT) mean the generation failed: they are thrown
 * as UNAVAILABLE and TIMEOUT, both retryable, rather than passed off as a finished answer.
 */
export function finishReasonOf(reason: unknown, dep: DeploymentRef): string {
  const value = typeof reason === "string" ? reason.toUpperCase() : "";
  switch (value) {
    case "MAX_TOKENS":
      return "length";
    case "TOOL_CALL":
      return "tool_calls";
    case "CONTENT_BLOCKED":
      return "content_filter";
    case "ERROR":
    case "ERROR_LIMIT":
      throw failedGeneration(dep, llm.ErrorClass.UNAVAILABLE, value);
    case "TIMEOUT":
      throw failedGeneration(dep, llm.ErrorClass.TIMEOUT, value);
    default:
      // COMPLETE, STOP_SEQUENCE, and reasons added later
      return "stop";
  }
}

function failedGeneration(dep: DeploymentRef, cls: llm.ErrorClass, reason: string): GatewayError {
  return new GatewayError({
    class: cls,
    message: `${dep.provider}: the generation failed (finish_reason ${reason})`,
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

/**
 * Canonical usage from Cohere's `usage`: the billed units (what Cohere charges, without its prompt template), else
 * the raw token counts.
 */
export function toUsage(value: unknown): llm.Usage {
  const usage = asObject(value);
  const billed = asObject(usage?.billed_units);
  const tokens = asObject(usage?.tokens);
  const prompt = asNumber(billed?.input_tokens) ?? asNumber(tokens?.input_tokens) ?? 0;
  const completion = asNumber(billed?.output_tokens) ?? asNumber(tokens?.output_tokens) ?? 0;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
  });
}

/** Chat completion ids keep Cohere's generation id so logs on both sides line up. */
export function completionId(id: string): string {
  return `chatcmpl-${id}`;
}

/** One tool call of Cohere's `tool_calls`, which are OpenAI-shaped already. */
export function toToolCall(value: unknown): llm.ToolCall {
  const call = asObject(value) ?? {};
  const fn = asObject(call.function) ?? {};
  return create(llm.ToolCallSchema, {
    id: asString(call.id) ?? "",
    type: "function",
    function: { name: asString(fn.name) ?? "", arguments: asString(fn.arguments) ?? "{}" },
  });
}

/**
 * Translates a non-streamed response. Text blocks join into `content`, thinking blocks into `reasoning_content`; a
 * tool-calling turn's `tool_plan` becomes its `content` (the inverse of messages.ts).
 */
export function fromCohereResponse(
  json: unknown,
  created: number,
  model: string,
  dep: DeploymentRef,
): llm.ChatCompletion {
  const body = asObject(json);
  const message = asObject(body?.message);
  const id = asString(body?.id);
  if (!body || !message || !id) throw malformedUpstream(dep, "response is not a Cohere chat response");
  const blocks = asArray(message.content).map((block) => asObject(block) ?? {});
  const text = joined(blocks, "text", "text");
  const thinking = joined(blocks, "thinking", "thinking");
  const toolCalls = asArray(message.tool_calls).map(toToolCall);
  const content = text ?? asString(message.tool_plan);
  const assistant = create(llm.AssistantMessageSchema, { toolCalls });
  if (content) assistant.content = content;
  if (thinking) assistant.reasoningContent = thinking;
  return create(llm.ChatCompletionSchema, {
    id: completionId(id),
    created,
    model,
    choices: [{ index: 0, message: assistant, finishReason: finishReasonOf(body.finish_reason, dep) }],
    usage: toUsage(body.usage),
  });
}

function joined(blocks: JsonObject[], type: string, field: string): string | undefined {
  const parts = blocks.filter((block) => block.type === type).map((block) => asString(block[field]) ?? "");
  return parts.length > 0 ? parts.join("") : undefined;
}
