// Generated text -> canonical answers, for the text-generation adapters (Triton, Predibase, Petals): one choice of plain
// text, usage as the upstream reported it or else counted with the tokenizer and marked estimated, and streams in
// OpenAI chunk order (role first, content pieces, the finish_reason, then a usage-only chunk).

import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { estimateTextTokens } from "@switchyard/openai";
import { llm } from "@switchyard/proto";

/** A complete generated answer. */
export interface TextAnswer {
  readonly id: string;
  readonly model: string;
  readonly created: number;
  readonly text: string;
  readonly finishReason: string;
  readonly usage: llm.Usage;
}

/** A fresh OpenAI-style completion id (these upstreams give none). */
export function completionId(): string {
  return `chatcmpl-${randomUUID().replaceAll("-", "")}`;
}

/** Seconds since the epoch, as OpenAI's `created`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Usage from counts the upstream reported. */
export function reportedUsage(prompt: number, completion: number): llm.Usage {
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
  });
}

/** Usage counted with the gateway's tokenizer from the prompt sent and the text generated, marked estimated. */
export async function estimatedUsage(prompt: string, completion: string): Promise<llm.Usage> {
  const p = await estimateTextTokens([prompt]);
  const c = await estimateTextTokens(completion ? [completion] : []);
  return create(llm.UsageSchema, { promptTokens: p, completionTokens: c, totalTokens: p + c, estimated: true });
}

/**
 * OpenAI's finish_reason for a TGI/LoRAX `finish_reason` ("length", "eos_token", "stop_sequence"): "length" when the
 * token limit cut the answer, "stop" otherwise.
 */
export function finishOfTgi(reason: unknown): string {
  return reason === "length" ? "length" : "stop";
}

/** The non-streamed answer. */
export function completionOf(answer: TextAnswer): llm.ChatCompletion {
  return create(llm.ChatCompletionSchema, {
    id: answer.id,
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message: { content: answer.text }, finishReason: answer.finishReason }],
    usage: answer.usage,
  });
}

/** Builds the chunks of one streamed answer; every chunk shares its id, created and model. */
export class TextChunks {
  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly created: number = nowSeconds(),
  ) {}

  private chunk(choices: llm.ChunkChoice[] | [], usage?: llm.Usage): llm.ChatCompletionChunk {
    return create(llm.ChatCompletionChunkSchema, {
      id: this.id,
      created: this.created,
      model: this.model,
      choices,
      ...(usage ? { usage } : {}),
    });
  }

  /** The first chunk: the assistant role with empty content. */
  role(): llm.ChatCompletionChunk {
    return this.chunk([create(llm.ChunkChoiceSchema, { index: 0, delta: { role: "assistant", content: "" } })]);
  }

  /** A piece of generated text. */
  content(text: string): llm.ChatCompletionChunk {
    return this.chunk([create(llm.ChunkChoiceSchema, { index: 0, delta: { content: text } })]);
  }

  /** The chunk that ends the choice. */
  finish(reason: string): llm.ChatCompletionChunk {
    return this.chunk([create(llm.ChunkChoiceSchema, { index: 0, delta: {}, finishReason: reason })]);
  }

  /** The last chunk: usage and no choices. */
  usage(usage: llm.Usage): llm.ChatCompletionChunk {
    return this.chunk([], usage);
  }
}

/** How many characters each replayed piece holds: LiteLLM's fake streaming for Petals cuts 30-character chunks. */
export const REPLAY_PIECE_CHARS = 30;

/**
 * A complete answer replayed as a stream (for upstreams that cannot stream over HTTP): role, the text in pieces of
 * REPLAY_PIECE_CHARS characters (never splitting a surrogate pair), finish_reason, usage.
 */
export function* replayAnswer(answer: TextAnswer): Generator<llm.ChatCompletionChunk> {
  const chunks = new TextChunks(answer.id, answer.model, answer.created);
  yield chunks.role();
  const chars = [...answer.text];
  for (let i = 0; i < chars.length; i += REPLAY_PIECE_CHARS) {
    yield chunks.content(chars.slice(i, i + REPLAY_PIECE_CHARS).join(""));
  }
  yield chunks.finish(answer.finishReason);
  yield chunks.usage(answer.usage);
}
