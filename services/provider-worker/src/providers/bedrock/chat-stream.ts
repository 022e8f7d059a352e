// ConverseStream events -> OpenAI-shaped chunks
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html). Each event-stream
// message's `:event-type` names the event (messageStart, contentBlockStart, contentBlockDelta, contentBlockStop,
// messageStop, metadata) and its payload is that event's JSON. Pure apart from the state of the one stream a
// translator belongs to; the adapter makes one per call.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import type { AwsStreamMessage } from "../aws/event-stream.js";
import { payloadText } from "../aws/event-stream.js";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { JSON_TOOL_NAME } from "./chat-request.js";
import { type AnswerContext, finishReasonOf, usageOf } from "./chat-response.js";
import { throwIfStreamFailure } from "./errors.js";

type DeltaInit = MessageInitShape<typeof llm.DeltaSchema>;
type Chunks = llm.ChatCompletionChunk[];

/**
 * Translates the messages of one stream. It yields a first chunk with role "assistant", content and reasoning
 * deltas, tool calls as ToolCallDelta (id, type and name first, then argument pieces), a chunk with the
 * finish_reason at messageStop, and last, from the metadata event, a usage chunk with no choices. An exception
 * message is thrown as its classified error.
 */
export class ConverseStreamTranslator {
  private roleSent = false;
  /** Converse content-block index -> OpenAI tool call index, or "json" for the JSON-mode tool. */
  private readonly blocks = new Map<number, number | "json">();
  private toolCount = 0;
  /** True once messageStop has been translated: the answer is complete. */
  stopped = false;
  /** True once the metadata event (usage) has been translated: nothing more is expected. */
  finished = false;

  constructor(
    private readonly answer: AnswerContext,
    private readonly dep: DeploymentRef,
  ) {}

  /** The chunks one message produces (often none). */
  translate(message: AwsStreamMessage): Chunks {
    throwIfStreamFailure(message, this.dep);
    const data = asObject(tryParse(payloadText(message)));
    if (!data) throw malformedUpstream(this.dep, "stream event is not a JSON object");
    switch (message.eventType) {
      case "messageStart":
        return this.start();
      case "contentBlockStart":
        return this.onBlockStart(data);
      case "contentBlockDelta":
        return this.onBlockDelta(data);
      case "messageStop":
        return this.onStop(data);
      case "metadata":
        return this.onMetadata(data);
      default:
        // contentBlockStop and event types added later
        return [];
    }
  }

  private chunk(delta: DeltaInit | undefined, finishReason?: string): llm.ChatCompletionChunk {
    const choices = delta || finishReason ? [{ index: 0, delta: delta ?? {}, finishReason }] : [];
    const { id, created, model } = this.answer;
    return create(llm.ChatCompletionChunkSchema, { id, created, model, choices });
  }

  /** The role chunk, once; a delta before messageStart still gets it first. */
  private start(): Chunks {
    if (this.roleSent) return [];
    this.roleSent = true;
    return [this.chunk({ role: "assistant", content: "" })];
  }

  private onBlockStart(data: JsonObject): Chunks {
    const use = asObject(asObject(data.start)?.toolUse);
    if (!use) return [];
    const block = asNumber(data.contentBlockIndex) ?? -1;
    const name = asString(use.name) ?? "";
    if (this.answer.jsonMode && name === JSON_TOOL_NAME) {
      this.blocks.set(block, "json");
      return this.start();
    }
    const index = this.toolCount++;
    this.blocks.set(block, index);
    const call = { index, id: asString(use.toolUseId) ?? "", type: "function", name, arguments: "" };
    return [...this.start(), this.chunk({ toolCalls: [call] })];
  }

  private onBlockDelta(data: JsonObject): Chunks {
    const delta = asObject(data.delta) ?? {};
    const prefix = this.start();
    if (typeof delta.text === "string") return [...prefix, this.chunk({ content: delta.text })];
    const use = asObject(delta.toolUse);
    if (use) {
      const target = this.blocks.get(asNumber(data.contentBlockIndex) ?? -1);
      const input = asString(use.input) ?? "";
      if (target === "json") return [...prefix, this.chunk({ content: input })];
      return target === undefined
        ? prefix
        : [...prefix, this.chunk({ toolCalls: [{ index: target, arguments: input }] })];
    }
    const reasoning = asString(asObject(delta.reasoningContent)?.text);
    if (reasoning !== undefined) return [...prefix, this.chunk({ reasoningContent: reasoning })];
    // reasoning signatures, citations: nothing in the OpenAI shape carries them
    return prefix;
  }

  private onStop(data: JsonObject): Chunks {
    this.stopped = true;
    return [...this.start(), this.chunk({}, finishReasonOf(data.stopReason, this.answer.jsonMode))];
  }

  private onMetadata(data: JsonObject): Chunks {
    this.finished = true;
    const { id, created, model } = this.answer;
    return [create(llm.ChatCompletionChunkSchema, { id, created, model, choices: [], usage: usageOf(data.usage) })];
  }
}
