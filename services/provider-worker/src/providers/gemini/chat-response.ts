// Gemini GenerateContentResponse -> canonical (OpenAI-shaped) chat completion
// (https://ai.google.dev/api/generate-content#generatecontentresponse). Pure; the caller passes the gateway clock
// because Gemini responses carry no timestamp. A prompt or answer the safety filters blocked is a CONTENT_POLICY
// error, so the router can try `content_policy_fallbacks`.

import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../json.js";
import { toolCallId } from "./tool-ids.js";

/** The deployment an answer came from; its model names the answer when Gemini sends no `modelVersion`. */
export type GeminiDep = DeploymentRef & { readonly model?: string };

/** Finish reasons that mean a filter stopped the answer (https://ai.google.dev/api/generate-content#FinishReason). */
const BLOCKED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

/** Gemini finishReason -> OpenAI finish_reason; `hasToolCalls` turns a plain stop into "tool_calls". */
export function finishReasonOf(reason: unknown, hasToolCalls: boolean): string {
  if (reason === "MAX_TOKENS") return "length";
  if (typeof reason === "string" && BLOCKED.has(reason)) return "content_filter";
  // STOP, and OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL ... which OpenAI's vocabulary has no word for
  return hasToolCalls ? "tool_calls" : "stop";
}

/** True when a finish reason says a filter blocked the candidate. */
export function isBlocked(reason: unknown): boolean {
  return typeof reason === "string" && BLOCKED.has(reason);
}

/** The error for a blocked prompt or answer; `what` names the block ("prompt blocked (SAFETY)"). */
export function contentPolicyError(dep: DeploymentRef, what: string): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.CONTENT_POLICY,
    message: `${dep.provider}: the ${what} by the provider's safety filters`,
    code: "content_filter",
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

/** Throws CONTENT_POLICY when `promptFeedback.blockReason` says the prompt was refused. */
export function checkPromptFeedback(response: JsonObject, dep: DeploymentRef): void {
  const reason = asString(asObject(response.promptFeedback)?.blockReason);
  if (reason && reason !== "BLOCK_REASON_UNSPECIFIED") throw contentPolicyError(dep, `prompt was blocked (${reason})`);
}

/**
 * Canonical usage from `usageMetadata`. Gemini's prompt count includes cached tokens, as OpenAI's does; its
 * candidates count excludes thinking tokens, which OpenAI counts in completion_tokens, so completion =
 * candidates + thoughts and reasoning = thoughts. Tool-use prompt tokens (grounding, code execution) are prompt.
 */
export function toUsage(metadata: unknown): llm.Usage {
  const u = asObject(metadata) ?? {};
  const prompt = (asNumber(u.promptTokenCount) ?? 0) + (asNumber(u.toolUsePromptTokenCount) ?? 0);
  const thoughts = asNumber(u.thoughtsTokenCount) ?? 0;
  const completion = (asNumber(u.candidatesTokenCount) ?? 0) + thoughts;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cachedTokens: asNumber(u.cachedContentTokenCount) ?? 0,
    reasoningTokens: thoughts,
    promptAudioTokens: modalityCount(u.promptTokensDetails, "AUDIO"),
  });
}

function modalityCount(details: unknown, modality: string): number {
  const entry = asArray(details)
    .map((d) => asObject(d) ?? {})
    .find((d) => d.modality === modality);
  return asNumber(entry?.tokenCount) ?? 0;
}

/** Completion ids keep Gemini's responseId, when it sent one, so logs on both sides line up. */
export function completionId(response: JsonObject): string {
  return `chatcmpl-${asString(response.responseId) ?? randomUUID()}`;
}

/** A function call part as an OpenAI tool call, its thought signature folded into the id. */
export function toToolCall(part: JsonObject): llm.ToolCall {
  const call = asObject(part.functionCall) ?? {};
  return create(llm.ToolCallSchema, {
    id: toolCallId(asString(call.id), asString(part.thoughtSignature)),
    type: "function",
    function: { name: asString(call.name) ?? "", arguments: JSON.stringify(call.args ?? {}) },
  });
}

/** Translates a non-streamed response; `created` is the gateway clock in seconds. */
export function fromGenerateContentResponse(json: unknown, created: number, dep: GeminiDep): llm.ChatCompletion {
  const response = asObject(json);
  if (!response) throw malformedUpstream(dep, "response is not a Gemini GenerateContentResponse");
  checkPromptFeedback(response, dep);
  const candidates = asArray(response.candidates).map((c) => asObject(c) ?? {});
  if (candidates.length === 0) throw malformedUpstream(dep, "response has no candidates");
  const choices = candidates.map((candidate, i) => toChoice(candidate, i));
  const blocked = candidates.find((c) => isBlocked(c.finishReason));
  if (blocked && choices.every((c) => !c.message?.content && c.message?.toolCalls.length === 0)) {
    throw contentPolicyError(dep, `answer was blocked (${String(blocked.finishReason)})`);
  }
  return create(llm.ChatCompletionSchema, {
    id: completionId(response),
    created,
    model: asString(response.modelVersion) ?? dep.model ?? "",
    choices,
    usage: toUsage(response.usageMetadata),
  });
}

function toChoice(candidate: JsonObject, i: number): llm.Choice {
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: llm.ToolCall[] = [];
  for (const part of asArray(asObject(candidate.content)?.parts).map((p) => asObject(p) ?? {})) {
    if (part.functionCall !== undefined) toolCalls.push(toToolCall(part));
    else if (typeof part.text === "string") (part.thought === true ? reasoning : text).push(part.text);
    // inlineData, executableCode ...: nothing in the OpenAI chat shape carries them
  }
  const message = create(llm.AssistantMessageSchema, { toolCalls });
  if (text.length > 0) message.content = text.join("");
  if (reasoning.length > 0) message.reasoningContent = reasoning.join("");
  return create(llm.ChoiceSchema, {
    index: asNumber(candidate.index) ?? i,
    message,
    finishReason: finishReasonOf(candidate.finishReason, toolCalls.length > 0),
  });
}
