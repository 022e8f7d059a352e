// Generated text -> canonical answers, for the adapters whose upstream completes one prompt and answers plain text
// (NLP Cloud's `generation`, Aleph Alpha's `complete`): one choice, usage as reported or else counted with the
// gateway's tokenizer and marked estimated, and streams in OpenAI chunk order (role first, content pieces, the
// finish_reason, then a usage-only chunk).

import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { estimateTextTokens } from "@switchyard/openai";
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

/** What a non-streamed text answer is made of. */
export interface TextAnswer {
  readonly id?: string;
  readonly model: string;
  readonly text: string;
  readonly finishReason: string;
  readonly usage: llm.Usage;
}

/** A non-streamed answer with one assistant choice. */
export function textCompletion(answer: TextAnswer): llm.ChatCompletion {
  return create(llm.ChatCompletionSchema, {
    id: answer.id || completionId(),
    created: nowSeconds(),
    model: answer.model,
    choices: [{ index: 0, message: { content: answer.text }, finishReason: answer.finishReason }],
    usage: answer.usage,
  });
}

type ChunkChoices = MessageInitShape<typeof llm.ChatCompletionChunkSchema>["choices"];

/** Builds one stream's chunks from text pieces; one per call, never shared. */
export class TextChunks {
  private readonly id = completionId();
  private readonly created = nowSeconds();
  private started = false;
  private readonly pieces: string[] = [];

  constructor(private readonly model: string) {}

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

  /** The chunk of one generated piece (the first one also carries the assistant role); none for an empty piece. */
  text(piece: string): llm.ChatCompletionChunk[] {
    if (!piece) return [];
    this.pieces.push(piece);
    const role = this.started ? {} : { role: "assistant" };
    this.started = true;
    return [this.chunk([{ index: 0, delta: { ...role, content: piece } }])];
  }

  /** The closing chunks: the finish_reason (with the role when nothing was generated), then the usage alone. */
  finish(finishReason: string, usage: llm.Usage): llm.ChatCompletionChunk[] {
    const delta = this.started ? {} : { role: "assistant", content: "" };
    return [this.chunk([{ index: 0, delta, finishReason }]), this.chunk([], usage)];
  }
}
