// Cohere v2 stream events -> OpenAI-shaped chunks (https://docs.cohere.com/docs/streaming). Each SSE event names its
// type (`message-start`, `content-delta`, `tool-call-start` ...) in `event:` and in the JSON's `type`. Pure apart from
// the state of the one stream a translator belongs to; the adapter makes one per call.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import type { SseEvent } from "../sse.js";
import { completionId, finishReasonOf, toUsage } from "./chat-response.js";
import { cohereStreamError } from "./errors.js";

type DeltaInit = MessageInitShape<typeof llm.DeltaSchema>;
type Chunks = llm.ChatCompletionChunk[];

/** The `delta.message` object every Cohere stream event nests its payload in. */
function messageOf(data: JsonObject): JsonObject {
  return asObject(asObject(data.delta)?.message) ?? {};
}

/**
 * Translates the events of one stream: a first chunk with role "assistant", content and reasoning deltas (a tool
 * plan streams as content, as in the non-streamed translation), tool calls as ToolCallDelta (id, type and name first,
 * then argument pieces), a chunk with the finish_reason, and last a usage chunk with no choices.
 */
export class CohereChunkTranslator {
  private id = "";
  /** Cohere tool-call index -> OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();
  /** True once `message-end` has been translated. */
  finished = false;

  constructor(
    private readonly created: number,
    private readonly model: string,
    private readonly dep: DeploymentRef,
  ) {}

  /** The chunks one event produces (often none); throws the classified error of an error event or failed generation. */
  translate(event: SseEvent): Chunks {
    const data = asObject(tryParse(event.data));
    if (!data) throw malformedUpstream(this.dep, "stream event is not a JSON object");
    switch (data.type ?? event.event) {
      case "message-start":
        this.id = completionId(asString(data.id) ?? "");
        return [this.chunk({ role: "assistant", content: "" })];
      case "content-start":
      case "content-delta":
        return this.onContent(messageOf(data));
      case "tool-plan-delta":
        return this.text(asString(messageOf(data).tool_plan));
      case "tool-call-start":
        return this.onToolCallStart(data);
      case "tool-call-delta":
        return this.onToolCallDelta(data);
      case "message-end":
        return this.onMessageEnd(asObject(data.delta) ?? {});
      case "error":
        throw cohereStreamError(event.data, this.dep);
      default:
        // content-end, tool-call-end, citation-start/-end, debug, and event types added later
        return [];
    }
  }

  private chunk(delta: DeltaInit | undefined, finishReason?: string): llm.ChatCompletionChunk {
    const choices = delta || finishReason ? [{ index: 0, delta: delta ?? {}, finishReason }] : [];
    return create(llm.ChatCompletionChunkSchema, { id: this.id, created: this.created, model: this.model, choices });
  }

  private text(text: string | undefined): Chunks {
    return text ? [this.chunk({ content: text })] : [];
  }

  /** A content block's text (or a reasoning model's thinking); `content-start` may carry the first piece. */
  private onContent(message: JsonObject): Chunks {
    const content = asObject(message.content) ?? {};
    const thinking = asString(content.thinking);
    if (thinking) return [this.chunk({ reasoningContent: thinking })];
    return this.text(asString(content.text));
  }

  private onToolCallStart(data: JsonObject): Chunks {
    const call = asObject(messageOf(data).tool_calls) ?? {};
    const fn = asObject(call.function) ?? {};
    const index = this.toolIndex.size;
    this.toolIndex.set(asNumber(data.index) ?? index, index);
    const start = { index, id: asString(call.id) ?? "", type: "function", name: asString(fn.name) ?? "" };
    return [this.chunk({ toolCalls: [{ ...start, arguments: asString(fn.arguments) ?? "" }] })];
  }

  private onToolCallDelta(data: JsonObject): Chunks {
    const index = this.toolIndex.get(asNumber(data.index) ?? this.toolIndex.size - 1);
    const piece = asString(asObject(asObject(messageOf(data).tool_calls)?.function)?.arguments);
    if (index === undefined || !piece) return [];
    return [this.chunk({ toolCalls: [{ index, arguments: piece }] })];
  }

  private onMessageEnd(delta: JsonObject): Chunks {
    const finish = finishReasonOf(delta.finish_reason, this.dep);
    this.finished = true;
    const usage = create(llm.ChatCompletionChunkSchema, {
      id: this.id,
      created: this.created,
      model: this.model,
      choices: [],
      usage: toUsage(delta.usage),
    });
    return [this.chunk({}, finish), usage];
  }
}
