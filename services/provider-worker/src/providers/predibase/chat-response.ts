// Predibase (LoRAX) answers -> canonical messages. `generate` answers `{"generated_text", "details": {"finish_reason",
// "prompt_tokens", "generated_tokens", ...}}`; `generate_stream` sends one SSE event per token,
// `{"token": {"id", "text", "logprob", "special"}, "generated_text": null, "details": null}`, the last one with the
// whole `generated_text` and `details` (finish_reason and token counts). Usage comes from `details`; without it, it is
// counted with the tokenizer and marked estimated.

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { estimatedUsage, reportedUsage, type TextAnswer, type TextChunks } from "../text-answer.js";
import { generateStreamError, isErrorEvent } from "../text-generation/errors.js";

/** Chat-template tokens LiteLLM strips from the ends of generated text (its PredibaseConfig.output_parser). */
const TEMPLATE_TOKENS = ["<|assistant|>", "<|system|>", "<|user|>", "<s>", "</s>"];

/** LiteLLM's output_parser: one template token removed from the start and one from the end, when present. */
export function stripTemplateTokens(text: string): string {
  let out = text;
  for (const token of TEMPLATE_TOKENS) {
    if (out.trim().startsWith(token)) out = out.replace(token, "");
    if (out.endsWith(token)) out = out.slice(0, -token.length);
  }
  return out;
}

/**
 * OpenAI's finish_reason for a LoRAX (TGI) `finish_reason` ("length", "eos_token", "stop_sequence"): "length" when the
 * token limit cut the answer, "stop" otherwise.
 */
export function finishOf(reason: unknown): string {
  return reason === "length" ? "length" : "stop";
}

/** Usage from `details` when it has both counts, else estimated from the prompt and the text. */
async function usageOf(details: JsonObject | undefined, prompt: string, text: string): Promise<llm.Usage> {
  const promptTokens = asNumber(details?.prompt_tokens);
  const generated = asNumber(details?.generated_tokens);
  if (promptTokens !== undefined && generated !== undefined) return reportedUsage(promptTokens, generated);
  return estimatedUsage(prompt, text);
}

/** A non-streamed `generate` answer (an `error` object in a 2xx body is thrown, classified). */
export async function fromPredibaseResponse(
  json: unknown,
  prompt: string,
  dep: Pick<Deployment, "provider" | "id" | "model">,
): Promise<TextAnswer> {
  if (isErrorEvent(json)) throw generateStreamError(JSON.stringify(json), dep);
  const o = asObject(json);
  const generated = asString(o?.generated_text);
  if (generated === undefined) throw malformedUpstream(dep, "generate answer has no generated_text");
  const details = asObject(o?.details);
  const text = stripTemplateTokens(generated);
  return {
    model: dep.model,
    text,
    finishReason: finishOf(details?.finish_reason),
    usage: await usageOf(details, prompt, text),
  };
}

/** Turns `generate_stream` events into chunks; `finished` once the event with `details` (or generated_text) came. */
export class PredibaseStream {
  finished = false;

  constructor(
    private readonly chunks: TextChunks,
    private readonly prompt: string,
    private readonly dep: DeploymentRef,
  ) {}

  /** The chunks of one event's data: its token's text (special tokens are not text), and at the end finish and usage. */
  async translate(data: string): Promise<llm.ChatCompletionChunk[]> {
    if (!data.trim()) return [];
    const json = tryParse(data);
    if (json === undefined) throw malformedUpstream(this.dep, "stream event is not JSON");
    if (isErrorEvent(json)) throw generateStreamError(data, this.dep);
    const o = asObject(json) ?? {};
    const token = asObject(o.token);
    const piece = token && token.special !== true ? (asString(token.text) ?? "") : "";
    const out = this.chunks.text(piece);
    const details = asObject(o.details);
    if (details || typeof o.generated_text === "string") {
      this.finished = true;
      const usage = await usageOf(details, this.prompt, this.chunks.generated);
      out.push(...this.chunks.finish(finishOf(details?.finish_reason), usage));
    }
    return out;
  }
}
