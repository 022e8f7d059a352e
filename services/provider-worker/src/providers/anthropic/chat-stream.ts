// Anthropic stream events -> OpenAI-shaped chunks
// (https://docs.anthropic.com/en/api/messages-streaming). Pure apart from the state of the one stream
// a translator belongs to; the adapter makes one per call.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import type { SseEvent } from "../sse.js";
import { type AnthropicUsage, completionId, finishReasonOf, readUsage, toUsage } from "./chat-response.js";
import { anthropicStreamError } from "./errors.js";

type DeltaInit = MessageInitShape<typeof llm.DeltaSchema>;
type Chunks = llm.ChatCompletionChunk[];

/**
 * Translates the events of one stream. It yields a first chunk with role "assistant", content and
 * reasoning deltas, tool calls as ToolCallDelta (id, type and name first, then argument pieces), a
 * chunk with the finish_reason, and last a usage chunk with no choices.
 */
export class ChunkTranslator {
  private id = "";
  private model = "";
  private finishSent = false;
  private readonly usage: AnthropicUsage = { input: 0, cacheRead: 0, cacheCreation: 0, output: 0 };
  /** Anthropic content-block index -> OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();
  /** True once `message_stop` has been translated. */
  finished = false;

  constructor(
    private readonly created: number,
    private readonly dep: DeploymentRef,
  ) {}

  /** The chunks one event produces (often none); throws the classified error of an `error` event. */
  translate(event: SseEvent): Chunks {
    const data = asObject(tryParse(event.data));
    if (!data) throw malformedUpstream(this.dep, "stream event is not a JSON object");
    switch (data.type ?? event.event) {
      case "message_start":
        return this.onMessageStart(asObject(data.message) ?? {});
      case "content_block_start":
        return this.onBlockStart(data);
      case "content_block_delta":
        return this.onBlockDelta(data);
      case "message_delta":
        return this.onMessageDelta(data);
      case "message_stop":
        return this.onMessageStop();
      case "error":
        throw anthropicStreamError(event.data, this.dep);
      default:
        // ping, content_block_stop and event types added later (Anthropic's versioning policy says
        // new event types may appear and should be ignored)
        return [];
    }
  }

  private chunk(delta: DeltaInit | undefined, finishReason?: string): llm.ChatCompletionChunk {
    const choices = delta || finishReason ? [{ index: 0, delta: delta ?? {}, finishReason }] : [];
    return create(llm.ChatCompletionChunkSchema, { id: this.id, created: this.created, model: this.model, choices });
  }

  private onMessageStart(message: JsonObject): Chunks {
    this.id = completionId(asString(message.id) ?? "");
    this.model = asString(message.model) ?? "";
    readUsage(message.usage, this.usage);
    return [this.chunk({ role: "assistant", content: "" })];
  }

  private onBlockStart(data: JsonObject): Chunks {
    const block = asObject(data.content_block) ?? {};
    if (block.type === "tool_use") {
      const index = this.toolIndex.size;
      this.toolIndex.set(asNumber(data.index) ?? -1, index);
      const call = { index, id: asString(block.id) ?? "", type: "function", name: asString(block.name) ?? "" };
      return [this.chunk({ toolCalls: [{ ...call, arguments: "" }] })];
    }
    const text = block.type === "text" ? asString(block.text) : undefined;
    return text ? [this.chunk({ content: text })] : [];
  }

  private onBlockDelta(data: JsonObject): Chunks {
    const delta = asObject(data.delta) ?? {};
    switch (delta.type) {
      case "text_delta":
        return [this.chunk({ content: asString(delta.text) ?? "" })];
      case "thinking_delta":
        return [this.chunk({ reasoningContent: asString(delta.thinking) ?? "" })];
      case "input_json_delta": {
        const index = this.toolIndex.get(asNumber(data.index) ?? -1);
        if (index === undefined) return [];
        return [this.chunk({ toolCalls: [{ index, arguments: asString(delta.partial_json) ?? "" }] })];
      }
      default:
        // signature_delta, citations_delta: nothing in the OpenAI shape carries them
        return [];
    }
  }

  private onMessageDelta(data: JsonObject): Chunks {
    readUsage(data.usage, this.usage);
    const stop = asObject(data.delta)?.stop_reason;
    if (stop === undefined || stop === null) return [];
    this.finishSent = true;
    return [this.chunk({}, finishReasonOf(stop))];
  }

  private onMessageStop(): Chunks {
    this.finished = true;
    const usage = create(llm.ChatCompletionChunkSchema, {
      id: this.id,
      created: this.created,
      model: this.model,
      choices: [],
      usage: toUsage(this.usage),
    });
    return this.finishSent ? [usage] : [this.chunk({}, "stop"), usage];
  }
}
