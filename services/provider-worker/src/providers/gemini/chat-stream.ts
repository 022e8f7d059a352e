// Gemini stream frames -> OpenAI-shaped chunks. With `alt=sse` every `data:` frame is a whole
// GenerateContentResponse holding the next piece of each candidate; the last one of a candidate carries its
// finishReason, and usageMetadata rides on the frames (the last one has the totals). There is no end marker:
// the stream ends when the connection does. Pure apart from the state of the one stream a translator belongs to.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import {
  checkPromptFeedback,
  completionId,
  contentPolicyError,
  finishReasonOf,
  type GeminiDep,
  isBlocked,
  toToolCall,
  toUsage,
} from "./chat-response.js";
import { googleStreamError } from "./errors.js";

type DeltaInit = MessageInitShape<typeof llm.DeltaSchema>;
type Chunks = llm.ChatCompletionChunk[];

/** What one candidate has sent so far. */
interface CandidateState {
  /** The role chunk has been yielded. */
  started: boolean;
  /** Content, reasoning or tool calls have been yielded. */
  said: boolean;
  toolCalls: number;
  finished: boolean;
}

/**
 * Translates the frames of one stream. Per candidate it yields a first chunk with role "assistant", content and
 * reasoning deltas, each function call as one complete ToolCallDelta, then a chunk with the finish_reason; `end`
 * yields the usage chunk (no choices) once the body is over.
 */
export class GeminiChunkTranslator {
  private id = "";
  private model = "";
  private usage: unknown;
  private readonly candidates = new Map<number, CandidateState>();

  constructor(
    private readonly created: number,
    private readonly dep: GeminiDep,
  ) {
    this.model = dep.model ?? "";
  }

  /** The chunks of one `data:` frame; throws the classified error of an error frame or a blocked prompt. */
  translate(data: string): Chunks {
    const frame = asObject(tryParse(data));
    if (!frame) throw malformedUpstream(this.dep, "stream frame is not a JSON object");
    if (frame.error !== undefined) throw googleStreamError(frame, this.dep);
    checkPromptFeedback(frame, this.dep);
    if (!this.id) this.id = completionId(frame);
    this.model = asString(frame.modelVersion) ?? this.model;
    if (frame.usageMetadata !== undefined) this.usage = frame.usageMetadata;
    return asArray(frame.candidates).flatMap((c, i) => this.onCandidate(asObject(c) ?? {}, i));
  }

  /** The usage chunk; throws UNAVAILABLE when no candidate finished (the stream was cut). */
  end(): Chunks {
    const states = [...this.candidates.values()];
    if (states.length === 0 || !states.some((s) => s.finished)) {
      throw malformedUpstream(this.dep, "stream ended before a finishReason");
    }
    return [
      create(llm.ChatCompletionChunkSchema, {
        id: this.id,
        created: this.created,
        model: this.model,
        choices: [],
        usage: toUsage(this.usage),
      }),
    ];
  }

  private chunk(index: number, delta: DeltaInit, finishReason?: string): llm.ChatCompletionChunk {
    const choices = [{ index, delta, ...(finishReason ? { finishReason } : {}) }];
    return create(llm.ChatCompletionChunkSchema, { id: this.id, created: this.created, model: this.model, choices });
  }

  private onCandidate(candidate: JsonObject, position: number): Chunks {
    const index = asNumber(candidate.index) ?? position;
    const state = this.candidates.get(index) ?? { started: false, said: false, toolCalls: 0, finished: false };
    this.candidates.set(index, state);
    const out: Chunks = [];
    // The role chunk goes out with a candidate's first output, so a block before any leaves nothing sent.
    const emit = (delta: DeltaInit, finishReason?: string) => {
      if (!state.started) out.push(this.chunk(index, { role: "assistant", content: "" }));
      state.started = true;
      out.push(this.chunk(index, delta, finishReason));
    };
    for (const part of asArray(asObject(candidate.content)?.parts).map((p) => asObject(p) ?? {})) {
      const delta = this.onPart(part, state);
      if (delta) emit(delta);
    }
    const reason = candidate.finishReason;
    if (typeof reason === "string" && reason !== "FINISH_REASON_UNSPECIFIED" && !state.finished) {
      // A candidate blocked before it said anything fails the attempt: nothing has reached the client, so the
      // router may still fall back. Once text went out, the client keeps it and sees "content_filter".
      if (isBlocked(reason) && !state.said) throw contentPolicyError(this.dep, `answer was blocked (${reason})`);
      state.finished = true;
      emit({}, finishReasonOf(reason, state.toolCalls > 0));
    }
    return out;
  }

  private onPart(part: JsonObject, state: CandidateState): DeltaInit | undefined {
    if (part.functionCall !== undefined) {
      const call = toToolCall(part);
      state.said = true;
      const index = state.toolCalls++;
      const { id, type } = call;
      return { toolCalls: [{ index, id, type, name: call.function?.name, arguments: call.function?.arguments }] };
    }
    if (typeof part.text !== "string" || part.text === "") return undefined;
    state.said = true;
    return part.thought === true ? { reasoningContent: part.text } : { content: part.text };
  }
}
