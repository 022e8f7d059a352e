// Aleph Alpha `/complete` answers -> canonical messages. A non-streamed answer is `{"model_version", "completions":
// [{"completion", "finish_reason"}], "num_tokens_prompt_total", "num_tokens_generated"}`. A stream
// (`"stream": true`) is SSE `data:` frames holding typed items, as the official client reads them
// (aleph_alpha_client `stream_item_from_json`): `stream_chunk` (`index`, `completion` text), `stream_summary` (`index`,
// `model_version`, `finish_reason`) when completion `index` ends, and `completion_summary` (the token counts) last; a
// `data: [DONE]` may follow and is skipped.

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import {
  completionId,
  estimatedUsage,
  nowSeconds,
  reportedUsage,
  type TextAnswer,
  TextChunks,
} from "../text-answer.js";
import { alephAlphaStreamError } from "./errors.js";

/** OpenAI's finish_reason of an Aleph Alpha one ("maximum_tokens", "end_of_text", "stop_sequence_reached" ...). */
export function finishOf(reason: unknown): string {
  if (reason === "maximum_tokens" || reason === "length") return "length";
  if (reason === "content_filter") return "content_filter";
  return "stop";
}

type Dep = DeploymentRef & { readonly model: string };

/** The token counts of an answer or a completion_summary, when both are there. */
function usageOf(o: JsonObject): llm.Usage | undefined {
  const prompt = asNumber(o.num_tokens_prompt_total);
  const generated = asNumber(o.num_tokens_generated);
  return prompt !== undefined && generated !== undefined ? reportedUsage(prompt, generated) : undefined;
}

function completionsOf(json: unknown, dep: Dep): [JsonObject, JsonObject[]] {
  const o = asObject(json);
  const list = asArray(o?.completions).map((c) => asObject(c) ?? {});
  if (!o || list.length === 0 || list.some((c) => typeof c.completion !== "string")) {
    throw malformedUpstream(dep, "complete answer has no completions");
  }
  return [o, list];
}

/** A non-streamed chat answer: the first completion; usage as reported, or estimated when the counts are missing. */
export async function fromComplete(json: unknown, dep: Dep, prompt: string): Promise<TextAnswer> {
  const [o, [first]] = completionsOf(json, dep);
  const text = asString(first?.completion) ?? "";
  const usage = usageOf(o) ?? (await estimatedUsage(prompt, text));
  return { model: dep.model, text, finishReason: finishOf(first?.finish_reason), usage };
}

/** A legacy text completion: one choice per completion. */
export async function toCompletion(json: unknown, dep: Dep, prompt: string): Promise<llm.Completion> {
  const [o, list] = completionsOf(json, dep);
  const texts = list.map((c) => asString(c.completion) ?? "");
  return create(llm.CompletionSchema, {
    id: completionId().replace("chatcmpl-", "cmpl-"),
    created: nowSeconds(),
    model: dep.model,
    choices: list.map((c, index) => ({ index, text: texts[index] ?? "", finishReason: finishOf(c.finish_reason) })),
    usage: usageOf(o) ?? (await estimatedUsage(prompt, texts.join(""))),
  });
}

/** One `/complete` stream frame, read: a piece of completion `index`, its end, or the closing summary. */
type Frame =
  | { readonly type: "text"; readonly index: number; readonly text: string }
  | { readonly type: "finish"; readonly index: number; readonly reason: string }
  | { readonly type: "summary"; readonly usage: llm.Usage | undefined }
  | undefined;

/** Reads one `data:` frame; throws the classified error of a frame that carries `error`. */
function readFrame(data: string, dep: Dep): Frame {
  if (data === "[DONE]" || !data.trim()) return undefined;
  const o = asObject(tryParse(data));
  if (!o) throw malformedUpstream(dep, "stream frame is not a JSON object");
  if (o.error !== undefined) throw alephAlphaStreamError(data, dep);
  const index = asNumber(o.index) ?? 0;
  switch (o.type) {
    case "stream_chunk":
      return { type: "text", index, text: asString(o.completion) ?? "" };
    case "stream_summary":
      return { type: "finish", index, reason: finishOf(o.finish_reason) };
    case "completion_summary":
      return { type: "summary", usage: usageOf(o) };
    default:
      return undefined;
  }
}

/** Translates one `/complete` stream into OpenAI-ordered chat chunks; one per call. */
export class AlephAlphaStream {
  private readonly chunks: TextChunks;
  private finishReason = "stop";
  private ended = false;

  constructor(
    private readonly dep: Dep,
    private readonly prompt: string,
  ) {
    this.chunks = new TextChunks(dep.model);
  }

  /** True once the completion_summary arrived. */
  get done(): boolean {
    return this.ended;
  }

  /** The chunks of one `data:` frame; throws the classified error of a frame that carries `error`. */
  async translate(data: string): Promise<llm.ChatCompletionChunk[]> {
    const frame = readFrame(data, this.dep);
    switch (frame?.type) {
      case "text":
        return this.chunks.text(frame.text);
      case "finish":
        this.finishReason = frame.reason;
        return [];
      case "summary": {
        this.ended = true;
        const usage = frame.usage ?? (await estimatedUsage(this.prompt, this.chunks.generated));
        return this.chunks.finish(this.finishReason, usage);
      }
      default:
        return [];
    }
  }
}

/**
 * Translates one `/complete` stream into OpenAI `text_completion` chunks: one per piece of text (its completion's
 * `index` as the choice index, so `n` > 1 streams interleave as OpenAI's do), a chunk with every choice's
 * finish_reason once the summary arrives, then the usage alone (the adapter contract).
 */
export class AlephAlphaCompletionStream {
  private readonly id = completionId().replace("chatcmpl-", "cmpl-");
  private readonly created = nowSeconds();
  private readonly finished = new Map<number, string>();
  private readonly started = new Set<number>();
  private generated = "";
  private ended = false;

  constructor(
    private readonly dep: Dep,
    private readonly prompt: string,
  ) {}

  /** True once the completion_summary arrived. */
  get done(): boolean {
    return this.ended;
  }

  private chunk(choices: { index: number; text: string; finishReason: string }[], usage?: llm.Usage): llm.Completion {
    return create(llm.CompletionSchema, { id: this.id, created: this.created, model: this.dep.model, choices, usage });
  }

  /** The chunks of one `data:` frame; throws the classified error of a frame that carries `error`. */
  async translate(data: string): Promise<llm.Completion[]> {
    const frame = readFrame(data, this.dep);
    switch (frame?.type) {
      case "text":
        this.started.add(frame.index);
        this.generated += frame.text;
        return frame.text === "" ? [] : [this.chunk([{ index: frame.index, text: frame.text, finishReason: "" }])];
      case "finish":
        this.started.add(frame.index);
        this.finished.set(frame.index, frame.reason);
        return [];
      case "summary": {
        this.ended = true;
        const indexes = this.started.size > 0 ? [...this.started].sort((a, b) => a - b) : [0];
        const ends = indexes.map((index) => ({ index, text: "", finishReason: this.finished.get(index) ?? "stop" }));
        const usage = frame.usage ?? (await estimatedUsage(this.prompt, this.generated));
        return [this.chunk(ends), this.chunk([], usage)];
      }
      default:
        return [];
    }
  }
}
