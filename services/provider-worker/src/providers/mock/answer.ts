// The mock provider's deterministic answers. Pure: the same request and params give the same answer,
// completion and chunks (ids and `created` aside, which the adapter supplies).

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import type { MockParams } from "./params.js";

/** What the mock answers to one request. */
export interface MockAnswer {
  /** Undefined when the answer is a tool call. */
  readonly content?: string;
  readonly toolCall?: { readonly id: string; readonly name: string; readonly arguments: string };
  readonly finishReason: string;
  readonly usage: llm.Usage;
}

/** Estimated tokens of a text: ceil(chars / 4), the usual rule of thumb; not a real tokenizer. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const ECHO_CHARS = 200;

function messageText(message: llm.Message): string {
  const c = message.content;
  const text =
    c.case === "text"
      ? c.value
      : c.case === "parts"
        ? c.value.parts.map((p) => (p.part.case === "text" ? p.part.value : "")).join(" ")
        : "";
  return [text, ...message.toolCalls.map((t) => `${t.function?.name ?? ""}${t.function?.arguments ?? ""}`)].join("");
}

/** The tool the request forces (tool_choice "required" -> first tool, or a named function). */
function forcedTool(req: llm.ChatCompletionRequest): string | undefined {
  const choice = req.toolChoice?.choice;
  if (req.tools.length === 0 || !choice) return undefined;
  if (choice.case === "functionName") return choice.value;
  return choice.case === "mode" && choice.value === "required" ? req.tools[0]?.function?.name : undefined;
}

/** The default answer: a fixed sentence quoting the start of the last user message. */
function echo(req: llm.ChatCompletionRequest): string {
  const last = req.messages.findLast((m) => m.role === llm.Role.USER);
  const said = last ? messageText(last).trim().slice(0, ECHO_CHARS) : "";
  return said ? `This is a mock response. You said: ${said}` : "This is a mock response.";
}

/** Builds the answer: a forced tool call with `{}` arguments, else text cut at max_tokens. */
export function mockAnswer(req: llm.ChatCompletionRequest, params: MockParams): MockAnswer {
  const promptTokens = estimateTokens(req.messages.map(messageText).join(""));
  const usage = (completionTokens: number) =>
    create(llm.UsageSchema, { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens });
  const tool = forcedTool(req);
  if (tool !== undefined) {
    const toolCall = { id: "call_mock_0", name: tool, arguments: "{}" };
    return { toolCall, finishReason: "tool_calls", usage: usage(estimateTokens(tool + toolCall.arguments)) };
  }
  const full = params.response ?? echo(req);
  const limit = req.maxCompletionTokens ?? req.maxTokens;
  const cut = limit !== undefined && estimateTokens(full) > limit;
  const content = cut ? full.slice(0, Math.max(0, limit) * 4) : full;
  return { content, finishReason: cut ? "length" : "stop", usage: usage(estimateTokens(content)) };
}

/** Splits text into `count` pieces of near-equal length (fewer when the text is shorter), by code point. */
export function splitContent(text: string, count: number): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / Math.max(1, count)));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(""));
  return pieces;
}

/** The non-streamed completion of an answer. */
export function toCompletion(answer: MockAnswer, id: string, created: number, model: string): llm.ChatCompletion {
  const message = create(llm.AssistantMessageSchema, {
    ...(answer.content === undefined ? {} : { content: answer.content }),
    toolCalls: answer.toolCall
      ? [
          {
            id: answer.toolCall.id,
            type: "function",
            function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments },
          },
        ]
      : [],
  });
  return create(llm.ChatCompletionSchema, {
    id,
    created,
    model,
    choices: [{ index: 0, message, finishReason: answer.finishReason }],
    usage: answer.usage,
  });
}

/** A chunk delta as `create` accepts it. */
export type DeltaInit = MessageInitShape<typeof llm.DeltaSchema>;

/** The delta of every chunk of a streamed answer, in order: role, content or tool call, finish. */
export function streamDeltas(answer: MockAnswer, chunks: number): DeltaInit[] {
  const deltas: DeltaInit[] = [{ role: "assistant", content: "" }];
  for (const piece of splitContent(answer.content ?? "", chunks)) deltas.push({ content: piece });
  const call = answer.toolCall;
  if (call) {
    deltas.push({ toolCalls: [{ index: 0, id: call.id, type: "function", name: call.name, arguments: "" }] });
    deltas.push({ toolCalls: [{ index: 0, arguments: call.arguments }] });
  }
  return deltas;
}
