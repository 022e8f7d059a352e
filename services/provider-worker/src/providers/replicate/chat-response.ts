// Replicate predictions -> canonical messages. A prediction (https://replicate.com/docs/topics/predictions) carries
// `status` (starting, processing, succeeded, failed, canceled), `output` (a language model's text pieces as an array to
// join, sometimes one string), `error`, `urls` {get, cancel, stream} and `metrics`, where official language models
// report `input_token_count` and `output_token_count`. Replicate sends no finish reason: an answer that used its whole
// token limit finished with "length", any other with "stop". Without token counts the usage is the tokenizer's
// estimate, marked estimated.

import { create } from "@bufbuild/protobuf";

import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString } from "../json.js";
import { estimatedChatUsage, reportedUsage } from "../text-answer.js";

/** Statuses after which a prediction never changes. */
export const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "canceled"]);

/** The parts of a prediction the adapter reads. */
export interface Prediction {
  readonly id: string;
  readonly status: string;
  readonly model: string | undefined;
  readonly output: unknown;
  /** The `error` text ("" when there is none). */
  readonly error: string;
  /** `created_at` in seconds since the epoch (now when absent). */
  readonly created: number;
  readonly urls: { readonly get?: string; readonly cancel?: string; readonly stream?: string };
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
}

/** Reads a prediction object; one without an id or a status is malformed. */
export function parsePrediction(json: unknown, dep: DeploymentRef): Prediction {
  const o = asObject(json);
  const id = asString(o?.id);
  const status = asString(o?.status);
  if (!o || !id || !status) throw malformedUpstream(dep, "answer is not a prediction (no id or status)");
  const urls = asObject(o.urls) ?? {};
  const metrics = asObject(o.metrics) ?? {};
  const error = o.error === null || o.error === undefined ? "" : (asString(o.error) ?? JSON.stringify(o.error));
  const created = Date.parse(asString(o.created_at) ?? "");
  return {
    id,
    status,
    model: asString(o.model) || undefined,
    output: o.output,
    error,
    created: Math.floor((Number.isNaN(created) ? Date.now() : created) / 1000),
    urls: {
      ...(asString(urls.get) ? { get: asString(urls.get) } : {}),
      ...(asString(urls.cancel) ? { cancel: asString(urls.cancel) } : {}),
      ...(asString(urls.stream) ? { stream: asString(urls.stream) } : {}),
    },
    inputTokens: asNumber(metrics.input_token_count),
    outputTokens: asNumber(metrics.output_token_count),
  };
}

/** The text of `output`: string pieces joined, a string as it is, anything else as JSON. */
export function outputText(output: unknown): string {
  if (output === null || output === undefined) return "";
  if (typeof output === "string") return output;
  if (Array.isArray(output))
    return asArray(output)
      .map((piece) => (typeof piece === "string" ? piece : JSON.stringify(piece)))
      .join("");
  return JSON.stringify(output);
}

/** The prediction's token counts, or the tokenizer's estimate of the request and `text` marked estimated. */
export async function usageOf(
  p: Pick<Prediction, "inputTokens" | "outputTokens"> | undefined,
  request: llm.ChatCompletionRequest,
  text: string,
): Promise<llm.Usage> {
  if (p?.inputTokens !== undefined && p.outputTokens !== undefined) return reportedUsage(p.inputTokens, p.outputTokens);
  return estimatedChatUsage(request, [text]);
}

/** "length" when the answer reached the request's token limit (only known from Replicate's own count), else "stop". */
export function finishOf(p: Pick<Prediction, "outputTokens"> | undefined, maxTokens: number | undefined): string {
  const used = p?.outputTokens;
  return maxTokens !== undefined && used !== undefined && used >= maxTokens ? "length" : "stop";
}

/** A succeeded prediction as a chat completion. */
export async function fromPrediction(
  p: Prediction,
  request: llm.ChatCompletionRequest,
  maxTokens: number | undefined,
  model: string,
): Promise<llm.ChatCompletion> {
  const content = outputText(p.output);
  return create(llm.ChatCompletionSchema, {
    id: `chatcmpl-${p.id}`,
    created: p.created,
    model: p.model ?? model,
    choices: [{ index: 0, message: { content }, finishReason: finishOf(p, maxTokens) }],
    usage: await usageOf(p, request, content),
  });
}

/** Builds one stream's chunks in OpenAI order: the role with the first text, text pieces, the finish, the usage. */
export class ReplicateChunks {
  private started = false;
  /** The streamed text so far, for the estimate when Replicate reports no counts. */
  readonly pieces: string[] = [];

  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly model: string,
  ) {}

  private chunk(init: { choices: object[]; usage?: llm.Usage }): llm.ChatCompletionChunk {
    return create(llm.ChatCompletionChunkSchema, {
      id: `chatcmpl-${this.id}`,
      created: this.created,
      model: this.model,
      ...init,
    });
  }

  /** The chunk of an `output` event; undefined for an empty piece after the first chunk. */
  text(piece: string): llm.ChatCompletionChunk | undefined {
    if (this.started && !piece) return undefined;
    this.pieces.push(piece);
    const role = this.started ? {} : { role: "assistant" };
    this.started = true;
    return this.chunk({ choices: [{ index: 0, delta: { ...role, content: piece } }] });
  }

  /** The closing chunks after `done`: the finish reason (with the role if nothing was said), then the usage. */
  finish(finishReason: string, usage: llm.Usage): llm.ChatCompletionChunk[] {
    const role = this.started ? {} : { role: "assistant", content: "" };
    return [this.chunk({ choices: [{ index: 0, delta: role, finishReason }] }), this.chunk({ choices: [], usage })];
  }
}
