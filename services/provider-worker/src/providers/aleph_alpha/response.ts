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

/** Translates one `/complete` stream into OpenAI-ordered chunks; one per call. */
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
    if (data === "[DONE]" || !data.trim()) return [];
    const o = asObject(tryParse(data));
    if (!o) throw malformedUpstream(this.dep, "stream frame is not a JSON object");
    if (o.error !== undefined) throw alephAlphaStreamError(data, this.dep);
    switch (o.type) {
      case "stream_chunk":
        return this.chunks.text(asString(o.completion) ?? "");
      case "stream_summary":
        this.finishReason = finishOf(o.finish_reason);
        return [];
      case "completion_summary": {
        this.ended = true;
        const usage = usageOf(o) ?? (await estimatedUsage(this.prompt, this.chunks.generated));
        return this.chunks.finish(this.finishReason, usage);
      }
      default:
        return [];
    }
  }
}
