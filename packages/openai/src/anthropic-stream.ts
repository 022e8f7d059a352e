// Canonical chat chunks -> Anthropic's stream events, framed as Anthropic frames them
// (https://docs.anthropic.com/en/api/messages-streaming): `event: <type>\ndata: <json>\n\n`. One encoder per stream.
import type { llm } from "@switchyard/proto";
import {
  anthropicErrorType,
  anthropicMessageId,
  anthropicStop,
  anthropicUsage,
  type MessageRequest,
} from "./anthropic-response.js";

type BlockKind = "text" | "thinking" | "tool_use";

/** One server-sent event in Anthropic's framing. */
export function anthropicEvent(type: string, data: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The `event: error` that ends a stream failing after its first byte. */
export function anthropicErrorEvent(detail: llm.Error): string {
  return anthropicEvent("error", {
    error: { type: anthropicErrorType(detail.httpStatus || 500), message: detail.message },
  });
}

/**
 * Turns the chunks of one canonical stream into Anthropic events: `message_start` and a `ping` first, then each run of
 * reasoning, text or one tool call's arguments as a content block (`content_block_start`, deltas,
 * `content_block_stop`), and at the end `message_delta` (stop reason and usage) and `message_stop`.
 */
export class AnthropicStreamEncoder {
  private started = false;
  private index = -1;
  private open: BlockKind | undefined;
  /** The canonical tool-call index of the open tool_use block. */
  private openTool = -1;
  private readonly seenTools = new Set<number>();
  private finishReason: string | undefined;
  private choiceExtra = "";
  private usage: llm.Usage | undefined;

  /** `inputTokens` is the prompt estimate message_start reports; the real count comes in message_delta. */
  constructor(
    private readonly request: MessageRequest,
    private readonly inputTokens: number,
  ) {}

  /** The events of one chunk (the first one also opens the message). */
  push(chunk: llm.ChatCompletionChunk): string[] {
    const out = this.start(chunk.id, chunk.model);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) return out;
    const delta = choice.delta;
    if (delta?.reasoningContent)
      out.push(...this.delta("thinking", { type: "thinking_delta", thinking: delta.reasoningContent }));
    const text = delta?.content || delta?.refusal;
    if (text) out.push(...this.delta("text", { type: "text_delta", text }));
    for (const call of delta?.toolCalls ?? []) out.push(...this.toolDelta(call));
    if (choice.finishReason) {
      this.finishReason = choice.finishReason;
      this.choiceExtra = choice.extraJson;
    }
    return out;
  }

  /** The closing events, once the canonical stream has ended. */
  finish(): string[] {
    const out = this.start("", "");
    out.push(...this.close());
    const usage = anthropicUsage(this.usage);
    const stop = anthropicStop(this.finishReason, this.choiceExtra, this.request);
    out.push(anthropicEvent("message_delta", { delta: stop, usage }));
    out.push(anthropicEvent("message_stop", {}));
    return out;
  }

  private start(id: string, model: string): string[] {
    if (this.started) return [];
    this.started = true;
    const message = {
      id: anthropicMessageId(id),
      type: "message",
      role: "assistant",
      model: model || this.request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...anthropicUsage(undefined), input_tokens: this.inputTokens },
    };
    return [anthropicEvent("message_start", { message }), anthropicEvent("ping", {})];
  }

  /** A delta for a text or thinking block, opening that block first unless it is the open one. */
  private delta(kind: "text" | "thinking", delta: object): string[] {
    const out =
      this.open === kind
        ? []
        : this.openBlock(
            kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" },
            kind,
          );
    out.push(anthropicEvent("content_block_delta", { index: this.index, delta }));
    return out;
  }

  /**
   * A tool call delta: a new call opens a tool_use block, argument pieces become input_json_delta. Arguments for a
   * call whose block was already closed cannot be placed (blocks never reopen); OpenAI-style streams send each call's
   * pieces together, so this does not happen with them.
   */
  private toolDelta(call: llm.ToolCallDelta): string[] {
    const out: string[] = [];
    if (!this.seenTools.has(call.index)) {
      this.seenTools.add(call.index);
      const id = call.id || `toolu_${this.index + 1}`;
      out.push(...this.openBlock({ type: "tool_use", id, name: call.name ?? "", input: {} }, "tool_use"));
      this.openTool = call.index;
    }
    if (call.arguments && this.open === "tool_use" && this.openTool === call.index) {
      const delta = { type: "input_json_delta", partial_json: call.arguments };
      out.push(anthropicEvent("content_block_delta", { index: this.index, delta }));
    }
    return out;
  }

  private openBlock(block: object, kind: BlockKind): string[] {
    const out = this.close();
    this.index++;
    this.open = kind;
    out.push(anthropicEvent("content_block_start", { index: this.index, content_block: block }));
    return out;
  }

  private close(): string[] {
    if (this.open === undefined) return [];
    this.open = undefined;
    this.openTool = -1;
    return [anthropicEvent("content_block_stop", { index: this.index })];
  }
}
