// Canonical chat completions and errors -> Anthropic Messages JSON (https://docs.anthropic.com/en/api/messages and
// https://docs.anthropic.com/en/api/errors), for clients that called the gateway in Anthropic's format.
import type { llm } from "@switchyard/proto";
import { parseObjectText } from "./json.js";

/** Anthropic's usage object; input_tokens excludes cache reads and writes, unlike OpenAI's prompt_tokens. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** What the rendering needs of the client's request: the model it named and its stop sequences. */
export type MessageRequest = Pick<llm.ChatCompletionRequest, "model" | "stop">;

/** A message id in Anthropic's form: an Anthropic upstream's own id is kept, any other gets the `msg_` prefix. */
export function anthropicMessageId(completionId: string): string {
  const bare = completionId.startsWith("chatcmpl-") ? completionId.slice("chatcmpl-".length) : completionId;
  return bare.startsWith("msg_") ? bare : `msg_${bare.replace(/[^A-Za-z0-9_-]/g, "") || "switchyard"}`;
}

/** Canonical usage -> Anthropic's, splitting cache reads and writes out of the prompt tokens. */
export function anthropicUsage(usage: llm.Usage | undefined): AnthropicUsage {
  const prompt = usage?.promptTokens ?? 0;
  const read = usage?.cachedTokens ?? 0;
  const written = usage?.cacheCreationTokens ?? 0;
  return {
    input_tokens: Math.max(0, prompt - read - written),
    output_tokens: usage?.completionTokens ?? 0,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read,
  };
}

/** The Anthropic stop_reason and stop_sequence of a canonical finish_reason. */
export function anthropicStop(
  finishReason: string | undefined,
  choiceExtraJson: string,
  request: MessageRequest,
): { stop_reason: string; stop_sequence: string | null } {
  switch (finishReason) {
    case "length":
      return { stop_reason: "max_tokens", stop_sequence: null };
    case "tool_calls":
    case "function_call":
      return { stop_reason: "tool_use", stop_sequence: null };
    case "content_filter":
      return { stop_reason: "refusal", stop_sequence: null };
    default: {
      // OpenAI does not say which stop sequence matched; vLLM-style servers do, as the choice's `stop_reason`.
      const matched = parseObjectText(choiceExtraJson)?.["stop_reason"];
      if (typeof matched === "string" && request.stop.includes(matched)) {
        return { stop_reason: "stop_sequence", stop_sequence: matched };
      }
      return { stop_reason: "end_turn", stop_sequence: null };
    }
  }
}

/** A tool call's JSON arguments as Anthropic's `input` object; text that is no JSON object reads as `{}`. */
export function toolInput(args: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  const parsed = parseObjectText(args);
  return parsed ?? {};
}

/** Renders a canonical completion as an Anthropic Message (JSON text). */
export function renderAnthropicMessage(completion: llm.ChatCompletion, request: MessageRequest): string {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: object[] = [];
  if (message?.reasoningContent) content.push({ type: "thinking", thinking: message.reasoningContent, signature: "" });
  const text = message?.content || message?.refusal;
  if (text) content.push({ type: "text", text });
  for (const call of message?.toolCalls ?? []) {
    const fn = call.function;
    content.push({ type: "tool_use", id: call.id, name: fn?.name ?? "", input: toolInput(fn?.arguments ?? "") });
  }
  return JSON.stringify({
    id: anthropicMessageId(completion.id),
    type: "message",
    role: "assistant",
    model: completion.model || request.model,
    content,
    ...anthropicStop(choice?.finishReason, choice?.extraJson ?? "", request),
    usage: anthropicUsage(completion.usage),
  });
}

/** Anthropic's error type for an HTTP status (https://docs.anthropic.com/en/api/errors). */
export function anthropicErrorType(httpStatus: number): string {
  switch (httpStatus) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return "api_error";
  }
}

/** An Anthropic error body, `{"type":"error","error":{"type","message"}}`, for a canonical error. */
export function renderAnthropicError(detail: llm.Error): string {
  return JSON.stringify({
    type: "error",
    error: { type: anthropicErrorType(detail.httpStatus || 500), message: detail.message },
  });
}
