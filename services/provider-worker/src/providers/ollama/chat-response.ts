// Ollama `/api/chat` answers -> canonical messages. A non-streamed answer is one object; a stream is one object per
// line with `message.content` pieces, tool calls whole in one line, and `done: true` last with `done_reason` and the
// token counts (`prompt_eval_count`, `eval_count`).

import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { ollamaStreamError } from "./errors.js";

/** One tool call, flat, with its position among the answer's calls. */
interface ToolCallOf {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** `prompt_eval_count` / `eval_count` as usage. */
export function usageOf(o: JsonObject): llm.Usage {
  const prompt = asNumber(o.prompt_eval_count) ?? 0;
  const completion = asNumber(o.eval_count) ?? 0;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
  });
}

/** Seconds since the epoch of Ollama's `created_at` (RFC 3339), or now. */
function createdOf(o: JsonObject): number {
  const ms = Date.parse(asString(o.created_at) ?? "");
  return Math.floor((Number.isNaN(ms) ? Date.now() : ms) / 1000);
}

/** OpenAI's finish_reason for Ollama's `done_reason` ("stop", "length", "load" ...). */
function finishOf(o: JsonObject, sawToolCalls: boolean): string {
  if (o.done_reason === "length") return "length";
  return sawToolCalls ? "tool_calls" : "stop";
}

/** Ollama's tool calls (arguments as an object, no ids) as OpenAI's, with generated ids. */
function toolCallsOf(message: JsonObject, first: number): ToolCallOf[] {
  return asArray(message.tool_calls).map((value, i) => {
    const fn = asObject(asObject(value)?.function) ?? {};
    const args = fn.arguments;
    return {
      index: first + i,
      id: asString(asObject(value)?.id) || `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
      name: asString(fn.name) ?? "",
      arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    };
  });
}

/** A non-streamed `/api/chat` answer. */
export function fromOllamaResponse(json: unknown, dep: DeploymentRef): llm.ChatCompletion {
  const o = asObject(json);
  const message = asObject(o?.message);
  if (!o || !message) throw malformedUpstream(dep, "response has no message");
  const calls = toolCallsOf(message, 0).map((c) => ({
    id: c.id,
    type: "function",
    function: { name: c.name, arguments: c.arguments },
  }));
  const thinking = asString(message.thinking);
  return create(llm.ChatCompletionSchema, {
    id: `chatcmpl-${randomUUID()}`,
    created: createdOf(o),
    model: asString(o.model) ?? "",
    choices: [
      {
        index: 0,
        message: {
          content: asString(message.content) ?? "",
          toolCalls: calls,
          ...(thinking ? { reasoningContent: thinking } : {}),
        },
        finishReason: finishOf(o, calls.length > 0),
      },
    ],
    usage: usageOf(o),
  });
}

/** Translates the lines of one stream into OpenAI-ordered chunks; one per call. */
export class OllamaChunkTranslator {
  private readonly id = `chatcmpl-${randomUUID()}`;
  private started = false;
  private toolCalls = 0;
  /** True once the `done: true` line has been translated. */
  finished = false;

  constructor(private readonly dep: DeploymentRef) {}

  /** The chunks of one line; throws the classified error of an error line. */
  translate(line: string): llm.ChatCompletionChunk[] {
    const o = asObject(tryParse(line));
    if (!o) throw malformedUpstream(this.dep, "stream line is not a JSON object");
    if (o.error !== undefined) throw ollamaStreamError(line, this.dep);
    const header = { id: this.id, created: createdOf(o), model: asString(o.model) ?? "" };
    const chunk = (delta: MessageInitShape<typeof llm.DeltaSchema>, finishReason?: string) =>
      create(llm.ChatCompletionChunkSchema, { ...header, choices: [{ index: 0, delta, finishReason }] });
    const out: llm.ChatCompletionChunk[] = [];
    const message = asObject(o.message) ?? {};
    const role = this.started ? {} : { role: "assistant" };
    const content = asString(message.content) ?? "";
    const thinking = asString(message.thinking) ?? "";
    if (!this.started || content || thinking) {
      out.push(chunk({ ...role, content, ...(thinking ? { reasoningContent: thinking } : {}) }));
      this.started = true;
    }
    const calls = toolCallsOf(message, this.toolCalls);
    if (calls.length > 0) {
      this.toolCalls += calls.length;
      const toolCalls = calls.map((c) => ({ ...c, type: "function" }));
      out.push(chunk({ toolCalls }));
    }
    if (o.done === true) {
      this.finished = true;
      out.push(chunk({}, finishOf(o, this.toolCalls > 0)));
      out.push(create(llm.ChatCompletionChunkSchema, { ...header, choices: [], usage: usageOf(o) }));
    }
    return out;
  }
}
