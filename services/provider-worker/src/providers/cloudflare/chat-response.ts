// Workers AI answers -> canonical messages. A non-streamed answer is the v4 envelope
// `{"result":{"response":"...","usage":{...}},"success":true,"errors":[]}`; a stream is SSE frames
// `data: {"response":"..."}` (the last with `usage`) ending with `data: [DONE]`. Workers AI sends no id and no
// finish_reason: the gateway makes an id, and a completed answer finished with "stop". Some models send no usage:
// then the tokens are counted with the gateway's tokenizer and the usage is marked estimated.

import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { estimatedChatUsage } from "../text-answer.js";
import { cloudflareBodyError } from "./errors.js";

/**
 * Workers AI's OpenAI-style usage object; undefined when it counts nothing (absent, or `{}` as some models send), so
 * the tokens are counted instead of billed as zero.
 */
export function usageOf(value: unknown): llm.Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  const promptCount = asNumber(u.prompt_tokens);
  const completionCount = asNumber(u.completion_tokens);
  if (promptCount === undefined && completionCount === undefined) return undefined;
  const prompt = promptCount ?? 0;
  const completion = completionCount ?? 0;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: asNumber(u.total_tokens) ?? prompt + completion,
  });
}

const now = () => Math.floor(Date.now() / 1000);

/** A non-streamed answer; a 2xx envelope with `success: false` is classified like an error status. */
export async function fromCloudflareResponse(
  json: unknown,
  dep: DeploymentRef,
  model: string,
  request: llm.ChatCompletionRequest,
): Promise<llm.ChatCompletion> {
  const o = asObject(json);
  if (!o) throw malformedUpstream(dep, "response is not a JSON object");
  if (o.success === false) throw cloudflareBodyError(JSON.stringify(o), dep);
  const result = asObject(o.result);
  const response = result?.response;
  if (!result || response === undefined) throw malformedUpstream(dep, "response has no result.response");
  const content = typeof response === "string" ? response : JSON.stringify(response);
  return create(llm.ChatCompletionSchema, {
    id: `chatcmpl-${randomUUID()}`,
    created: now(),
    model,
    choices: [{ index: 0, message: { content }, finishReason: "stop" }],
    usage: usageOf(result.usage) ?? (await estimatedChatUsage(request, [content])),
  });
}

/** Translates one stream's frames into OpenAI-ordered chunks; one per call. */
export class CloudflareChunkTranslator {
  private readonly id = `chatcmpl-${randomUUID()}`;
  private readonly created = now();
  private started = false;
  private usage: llm.Usage | undefined;
  /** The generated text, kept only to count it when Workers AI sends no usage. */
  private readonly pieces: string[] = [];

  constructor(
    private readonly dep: DeploymentRef,
    private readonly model: string,
    private readonly request: llm.ChatCompletionRequest,
  ) {}

  private chunk(init: Partial<Pick<llm.ChatCompletionChunk, "usage">> & { choices: JsonObject[] }) {
    return create(llm.ChatCompletionChunkSchema, { id: this.id, created: this.created, model: this.model, ...init });
  }

  /** The chunks of one `data:` frame; throws the classified error of an error frame. */
  translate(data: string): llm.ChatCompletionChunk[] {
    const o = asObject(tryParse(data));
    if (!o) throw malformedUpstream(this.dep, "stream frame is not a JSON object");
    if (o.errors !== undefined && o.success === false) throw cloudflareBodyError(data, this.dep);
    this.usage = usageOf(o.usage) ?? this.usage;
    const text = asString(o.response) ?? "";
    if (text) this.pieces.push(text);
    if (this.started && !text) return [];
    const role = this.started ? {} : { role: "assistant" };
    this.started = true;
    return [this.chunk({ choices: [{ index: 0, delta: { ...role, content: text } }] })];
  }

  /** The closing chunks at `[DONE]`: the finish_reason, then the usage (estimated when Workers AI sent none). */
  async finish(): Promise<llm.ChatCompletionChunk[]> {
    const role = this.started ? {} : { role: "assistant", content: "" };
    const usage = this.usage ?? (await estimatedChatUsage(this.request, this.pieces));
    return [
      this.chunk({ choices: [{ index: 0, delta: role, finishReason: "stop" }] }),
      this.chunk({ choices: [], usage }),
    ];
  }
}
