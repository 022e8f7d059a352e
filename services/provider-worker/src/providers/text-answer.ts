// Generated text -> canonical answers, for the adapters whose upstream completes one prompt and answers plain text
// (NLP Cloud, Aleph Alpha, Triton, Predibase, Petals): one choice, usage as reported or else counted with the gateway's
// tokenizer and marked estimated, and streams in OpenAI chunk order (the assistant role first, content pieces, the
// finish_reason, then a usage-only chunk). The ids and the usage helpers serve message-based adapters too (Snowflake,
// Replicate, Cloudflare).

import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { estimatePromptTokens, estimateTextTokens } from "@switchyard/openai";
import { llm } from "@switchyard/proto";

/** A fresh OpenAI-style completion id, for upstreams that give none. */
export function completionId(): string {
  return `chatcmpl-${randomUUID().replaceAll("-", "")}`;
}

/** Seconds since the epoch, as OpenAI's `created`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Usage from the counts the upstream reported. */
export function reportedUsage(prompt: number, completion: number): llm.Usage {
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
  });
}

/** Usage counted with the gateway's tokenizer from the prompt sent and the text generated, marked estimated. */
export async function estimatedUsage(prompt: string, completion: string): Promise<llm.Usage> {
  const p = await estimateTextTokens(prompt ? [prompt] : []);
  const c = await estimateTextTokens(completion ? [completion] : []);
  return create(llm.UsageSchema, { promptTokens: p, completionTokens: c, totalTokens: p + c, estimated: true });
}

/**
 * Usage counted with the gateway's tokenizer from the canonical request (messages and tools, for upstreams that take
 * messages rather than one prompt) and the generated pieces, marked estimated.
 */
export async function estimatedChatUsage(
  request: llm.ChatCompletionRequest,
  generated: readonly string[],
): Promise<llm.Usage> {
  const p = await estimatePromptTokens(request);
  const c = await estimateTextTokens(generated);
  return create(llm.UsageSchema, { promptTokens: p, completionTokens: c, totalTokens: p + c, estimated: true });
}

/** What a non-streamed text answer is made of; a missing id or created is made up when the answer is built. */
export interface TextAnswer {
  readonly id?: string;
  readonly model: string;
  readonly created?: number;
  readonly text: string;
  readonly finishReason: string;
  readonly usage: llm.Usage;
}

/** A non-streamed answer with one assistant choice. */
export function textCompletion(answer: TextAnswer): llm.ChatCompletion {
  return create(llm.ChatCompletionSchema, {
    id: answer.id || completionId(),
    created: answer.created ?? nowSeconds(),
    model: answer.model,
    choices: [{ index: 0, message: { content: answer.text }, finishReason: answer.finishReason }],
    usage: answer.usage,
  });
}

type ChunkChoices = MessageInitShape<typeof llm.ChatCompletionChunkSchema>["choices"];

/**
 * Builds one stream's chunks, all sharing its id, created and model; one per call, never shared. The assistant role
 * rides on the first chunk: an explicit `role()`, else the first text piece, else the finish_reason chunk.
 */
export class TextChunks {
  private started = false;
  private readonly pieces: string[] = [];

  constructor(
    private readonly model: string,
    private readonly id: string = completionId(),
    private readonly created: number = nowSeconds(),
  ) {}

  /** Everything generated so far. */
  get generated(): string {
    return this.pieces.join("");
  }

  private chunk(choices: ChunkChoices, usage?: llm.Usage): llm.ChatCompletionChunk {
    return create(llm.ChatCompletionChunkSchema, {
      id: this.id,
      created: this.created,
      model: this.model,
      choices,
      ...(usage ? { usage } : {}),
    });
  }

  /** An opening chunk with the assistant role and empty content, for streams that announce the answer up front. */
  role(): llm.ChatCompletionChunk {
    this.started = true;
    return this.chunk([{ index: 0, delta: { role: "assistant", content: "" } }]);
  }

  /** The chunk of one generated piece (carrying the role when nothing opened the stream yet); none for an empty one. */
  text(piece: string): llm.ChatCompletionChunk[] {
    if (!piece) return [];
    this.pieces.push(piece);
    const role = this.started ? {} : { role: "assistant" };
    this.started = true;
    return [this.chunk([{ index: 0, delta: { ...role, content: piece } }])];
  }

  /** The closing chunks: the finish_reason (with the role when nothing was sent), then the usage alone. */
  finish(finishReason: string, usage: llm.Usage): llm.ChatCompletionChunk[] {
    const delta = this.started ? {} : { role: "assistant", content: "" };
    return [this.chunk([{ index: 0, delta, finishReason }]), this.chunk([], usage)];
  }
}

/** How many characters each replayed piece holds: LiteLLM's fake streaming for Petals cuts 30-character chunks. */
export const REPLAY_PIECE_CHARS = 30;

/**
 * A complete answer replayed as a stream (for upstreams that cannot stream over HTTP): role, the text in pieces of
 * REPLAY_PIECE_CHARS characters (never splitting a surrogate pair), finish_reason, usage.
 */
export function* replayAnswer(answer: TextAnswer): Generator<llm.ChatCompletionChunk> {
  const chunks = new TextChunks(answer.model, answer.id || completionId(), answer.created ?? nowSeconds());
  yield chunks.role();
  const chars = [...answer.text];
  for (let i = 0; i < chars.length; i += REPLAY_PIECE_CHARS) {
    yield* chunks.text(chars.slice(i, i + REPLAY_PIECE_CHARS).join(""));
  }
  yield* chunks.finish(answer.finishReason, answer.usage);
}
