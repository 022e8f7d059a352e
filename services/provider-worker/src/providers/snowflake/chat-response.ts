// Cortex `inference:complete` answers -> canonical messages. A non-streamed answer (`"stream": false`) is
// `{"id", "model", "created", "choices": [{"message": {"content", "content_list"}, "finish_reason"}], "usage"}`, tool
// calls in `content_list` as `{"type": "tool_use", "tool_use": {tool_use_id, name, input}}`. A stream is SSE `data:`
// events `{"id", "model", "choices": [{"delta": {...}}], "usage"}` whose delta is `{"type": "text", "content"}` or
// `{"type": "tool_use", "tool_use_id"?, "name"?, "input"}` (a call's first delta names it, the next ones carry pieces
// of its arguments); `usage` is `{}` until the last event. Cortex sends no finish_reason on stream events and no
// `[DONE]` (one is skipped if present): the stream ends with the body, finished "tool_calls" when it called a tool.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { completionId, nowSeconds } from "../text-answer.js";
import { snowflakeStreamError } from "./errors.js";

type Dep = DeploymentRef & { readonly model: string };
type Choices = MessageInitShape<typeof llm.ChatCompletionChunkSchema>["choices"];

/** Cortex's usage object, when it has counts (stream events carry `{}` until the last one). */
export function usageOf(value: unknown): llm.Usage | undefined {
  const u = asObject(value);
  const prompt = asNumber(u?.prompt_tokens);
  const completion = asNumber(u?.completion_tokens);
  if (!u || prompt === undefined || completion === undefined) return undefined;
  return create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: asNumber(u.total_tokens) ?? prompt + completion,
    cachedTokens: asNumber(u.cache_read_input_tokens) ?? 0,
  });
}

/** OpenAI's finish_reason for Cortex's (stop, length, tool_calls, content_filter), or the one implied by the answer. */
function finishOf(reason: unknown, calledTools: boolean): string {
  if (reason === "stop" || reason === "length" || reason === "tool_calls" || reason === "content_filter") return reason;
  return calledTools ? "tool_calls" : "stop";
}

function toolCallsOf(
  message: JsonObject,
): { id: string; type: string; function: { name: string; arguments: string } }[] {
  const fromList = asArray(message.content_list)
    .map((c) => asObject(c) ?? {})
    .filter((c) => c.type === "tool_use")
    .map((c) => asObject(c.tool_use) ?? {})
    .map((u) => ({
      id: asString(u.tool_use_id) ?? "",
      type: "function",
      function: {
        name: asString(u.name) ?? "",
        arguments: typeof u.input === "string" ? u.input : JSON.stringify(u.input ?? {}),
      },
    }));
  return fromList;
}

function contentOf(message: JsonObject): string {
  if (typeof message.content === "string" && message.content) return message.content;
  return asArray(message.content_list)
    .map((c) => asObject(c) ?? {})
    .filter((c) => c.type === "text")
    .map((c) => asString(c.text) ?? "")
    .join("");
}

/** A non-streamed answer; usage is left unset when Cortex reports none (the worker then estimates it). */
export function fromSnowflakeResponse(json: unknown, dep: Dep): llm.ChatCompletion {
  const o = asObject(json);
  const choices = asArray(o?.choices).map((c) => asObject(c) ?? {});
  if (!o || choices.length === 0) throw malformedUpstream(dep, "complete answer has no choices");
  const usage = usageOf(o.usage);
  return create(llm.ChatCompletionSchema, {
    id: asString(o.id) || completionId(),
    created: asNumber(o.created) ?? nowSeconds(),
    model: asString(o.model) || dep.model,
    choices: choices.map((choice, index) => {
      const message = asObject(choice.message) ?? {};
      const toolCalls = toolCallsOf(message);
      return {
        index,
        message: { content: contentOf(message), toolCalls },
        finishReason: finishOf(choice.finish_reason ?? o.finish_reason, toolCalls.length > 0),
      };
    }),
    ...(usage ? { usage } : {}),
  });
}

/** Translates one Cortex stream into OpenAI-ordered chunks; one per call, never shared. */
export class SnowflakeStream {
  private id = "";
  private model: string;
  private readonly created = nowSeconds();
  private started = false;
  private toolIndex = -1;
  private finishReason: string | undefined;
  private usage: llm.Usage | undefined;
  /** The generated text and tool-call pieces, for estimating usage when Cortex reports none. */
  readonly generated: string[] = [];

  constructor(private readonly dep: Dep) {
    this.model = dep.model;
  }

  private chunk(choices: Choices, usage?: llm.Usage): llm.ChatCompletionChunk {
    this.id ||= completionId();
    return create(llm.ChatCompletionChunkSchema, {
      id: this.id,
      created: this.created,
      model: this.model,
      choices,
      ...(usage ? { usage } : {}),
    });
  }

  /** The chunks of one `data:` event; throws the classified error of an event that carries an error. */
  translate(data: string): llm.ChatCompletionChunk[] {
    if (data === "[DONE]" || !data.trim()) return [];
    const o = asObject(tryParse(data));
    if (!o) throw malformedUpstream(this.dep, "stream event is not a JSON object");
    if (o.choices === undefined && (o.message !== undefined || o.error !== undefined)) {
      throw snowflakeStreamError(data, this.dep);
    }
    this.id ||= asString(o.id) ?? "";
    this.model = asString(o.model) || this.model;
    this.usage = usageOf(o.usage) ?? this.usage;
    const out: llm.ChatCompletionChunk[] = [];
    for (const raw of asArray(o.choices)) {
      const choice = asObject(raw) ?? {};
      if (typeof choice.finish_reason === "string") this.finishReason = choice.finish_reason;
      const delta = this.deltaOf(asObject(choice.delta) ?? {});
      if (delta) out.push(this.chunk([{ index: 0, delta }]));
    }
    return out;
  }

  private deltaOf(d: JsonObject): MessageInitShape<typeof llm.DeltaSchema> | undefined {
    const role = this.started ? {} : { role: "assistant" };
    if (d.type === "tool_use") {
      const id = asString(d.tool_use_id);
      const name = asString(d.name);
      const args = asString(d.input) ?? "";
      if (id) this.toolIndex++;
      if (this.toolIndex < 0 || (!id && !args)) return undefined;
      this.generated.push(name ?? "", args);
      this.started = true;
      const call = id
        ? { index: this.toolIndex, id, type: "function", name: name ?? "", arguments: args }
        : { index: this.toolIndex, arguments: args };
      return { ...role, toolCalls: [call] };
    }
    const text = asString(d.content) ?? asString(d.text) ?? "";
    if (!text) return undefined;
    this.generated.push(text);
    this.started = true;
    return { ...role, content: text };
  }

  /** The closing chunks at the end of the body: the finish_reason, then the usage (`estimate` when none came). */
  finish(estimate: llm.Usage | undefined): llm.ChatCompletionChunk[] {
    const delta = this.started ? {} : { role: "assistant", content: "" };
    const finishReason = finishOf(this.finishReason, this.toolIndex >= 0);
    const usage = this.usage ?? estimate ?? create(llm.UsageSchema, { estimated: true });
    return [this.chunk([{ index: 0, delta, finishReason }]), this.chunk([], usage)];
  }

  /** Whether Cortex reported usage (otherwise the caller estimates it). */
  get reportedUsage(): boolean {
    return this.usage !== undefined;
  }
}

/** Folds a stream's chunks into one answer (for a non-streamed call that Cortex answered with events). */
export function foldChunks(chunks: readonly llm.ChatCompletionChunk[], dep: Dep): llm.ChatCompletion {
  let content = "";
  let finishReason = "stop";
  const calls: { id: string; type: string; function: { name: string; arguments: string } }[] = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      content += choice.delta?.content ?? "";
      finishReason = choice.finishReason || finishReason;
      for (const call of choice.delta?.toolCalls ?? []) {
        const target = calls[call.index] ?? { id: "", type: "function", function: { name: "", arguments: "" } };
        calls[call.index] = target;
        target.id ||= call.id ?? "";
        target.function.name ||= call.name ?? "";
        target.function.arguments += call.arguments ?? "";
      }
    }
  }
  const last = chunks.at(-1);
  return create(llm.ChatCompletionSchema, {
    id: last?.id || completionId(),
    created: last?.created ?? nowSeconds(),
    model: last?.model || dep.model,
    choices: [{ index: 0, message: { content, toolCalls: calls.filter(Boolean) }, finishReason }],
    ...(last?.usage ? { usage: last.usage } : {}),
  });
}
