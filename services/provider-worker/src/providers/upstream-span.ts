// The upstream call's span, with the OpenTelemetry GenAI semantic conventions (gen_ai.*). The shared POST helper
// (http.ts) opens it as a child of the worker's call span, so every adapter gets it; `traceAdapter` wraps an adapter to
// add what only the canonical answer tells (response model and id, finish reasons, token usage) and ends the span once
// the answer, or the whole stream, is in. Nothing here runs while tracing is off: `traceAdapter` is only applied when
// tracing is on, and `startUpstreamSpan` returns after one boolean check.

import type { llm } from "@switchyard/proto";
import { GatewayError, tracing } from "@switchyard/runtime";
import { usageTraceKey } from "@switchyard/usage";
import type { AttemptContext, ProviderAdapter } from "./types.js";

/** `gen_ai.provider.name` of the providers the conventions name; any other provider is reported by its own id. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: "openai",
  anthropic: "anthropic",
  bedrock: "aws.bedrock",
  sagemaker: "aws.sagemaker",
  azure: "azure.ai.openai",
  azure_ai: "azure.ai.inference",
  gemini: "gcp.gemini",
  vertex_ai: "gcp.vertex_ai",
  cohere: "cohere",
  deepseek: "deepseek",
  groq: "groq",
  mistral: "mistral_ai",
  perplexity: "perplexity",
  watsonx: "ibm.watsonx.ai",
  xai: "x_ai",
};

/** The GenAI provider name of a Switchyard provider id. */
export function genAiProvider(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** One attempt's upstream spans, while `traceAdapter` waits for the canonical answer to end them. */
interface Attempt {
  readonly operation: string;
  readonly attributes: tracing.Attributes;
  readonly spans: tracing.Span[];
}

/** Keyed by the attempt's signal, which adapters pass on even when they copy the context. */
const attempts = new WeakMap<AbortSignal, Attempt>();

/** `url.full` without the query (Gemini and others may carry a key there) or credentials in the authority. */
function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Opens the span of one upstream POST, a child of the active span (the worker's call); undefined while tracing is
 * off or the call is not traced. End it with `endUpstreamSpan` once the body is read.
 */
export function startUpstreamSpan(ctx: AttemptContext, target: string): tracing.Span | undefined {
  if (!tracing.tracingEnabled()) return undefined;
  const attempt = attempts.get(ctx.signal);
  const operation = attempt?.operation ?? "chat";
  const dep = ctx.deployment;
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    url = undefined;
  }
  const span = tracing.startChildSpan(
    `${operation} ${dep.model}`,
    tracing.SpanKind.CLIENT,
    {
      "gen_ai.operation.name": operation,
      "gen_ai.provider.name": genAiProvider(dep.provider),
      "gen_ai.system": genAiProvider(dep.provider),
      "gen_ai.request.model": dep.model,
      "switchyard.deployment": dep.id,
      "http.request.method": "POST",
      ...(url && {
        "server.address": url.hostname,
        "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
        "url.full": safeUrl(url),
      }),
      ...attempt?.attributes,
    },
    ctx.signal,
  );
  if (span && attempt) attempt.spans.push(span);
  return span;
}

/**
 * Records the upstream's HTTP status (and the failure, when there is one). The span ends here unless `traceAdapter`
 * holds it for the canonical answer.
 */
export function endUpstreamSpan(
  ctx: AttemptContext,
  span: tracing.Span | undefined,
  status: number | undefined,
  err?: unknown,
): void {
  if (!span) return;
  if (status !== undefined) span.setAttribute("http.response.status_code", status);
  if (err !== undefined) failUpstream(span, err);
  if (!attempts.has(ctx.signal) || err !== undefined) span.end();
}

function failUpstream(span: tracing.Span, err: unknown): void {
  const error = GatewayError.from(err);
  tracing.failSpan(span, (error.detail.type || "error").toLowerCase(), error.message);
}

/** Request parameters the conventions name, from the canonical request. */
function requestAttributes(request: llm.ChatCompletionRequest): tracing.Attributes {
  const attributes: tracing.Attributes = {};
  if (request.temperature !== undefined) attributes["gen_ai.request.temperature"] = request.temperature;
  if (request.topP !== undefined) attributes["gen_ai.request.top_p"] = request.topP;
  const maxTokens = request.maxCompletionTokens ?? request.maxTokens;
  if (maxTokens !== undefined) attributes["gen_ai.request.max_tokens"] = maxTokens;
  return attributes;
}

function usageAttributes(usage: llm.Usage | undefined): tracing.Attributes {
  if (!usage) return {};
  return {
    "gen_ai.usage.input_tokens": usage.promptTokens,
    "gen_ai.usage.output_tokens": usage.completionTokens,
    ...(usage.cachedTokens ? { "gen_ai.usage.cache_read.input_tokens": usage.cachedTokens } : {}),
  };
}

/** Sets the answer's attributes on the attempt's spans (the last one answered) and ends those still open. */
function settle(signal: AbortSignal, answer: tracing.Attributes, err?: unknown): void {
  const attempt = attempts.get(signal);
  if (!attempt) return;
  attempts.delete(signal);
  const last = attempt.spans[attempt.spans.length - 1];
  if (last?.isRecording()) {
    last.setAttributes(answer);
    if (err !== undefined) failUpstream(last, err);
  }
  for (const span of attempt.spans) if (span.isRecording()) span.end();
}

function completionAttributes(completion: llm.ChatCompletion): tracing.Attributes {
  return {
    "gen_ai.response.id": completion.id,
    "gen_ai.response.model": completion.model,
    "gen_ai.response.finish_reasons": completion.choices.map((c) => c.finishReason),
    ...usageAttributes(completion.usage),
  };
}

/** Follows a stream's chunks for the attributes of its answer. */
class StreamAnswer {
  private readonly startedAt = performance.now();
  private firstChunkAt = 0;
  private id = "";
  private model = "";
  private usage: llm.Usage | undefined;
  private readonly finishReasons: string[] = [];

  see(chunk: llm.ChatCompletionChunk): void {
    if (this.firstChunkAt === 0) this.firstChunkAt = performance.now();
    this.id ||= chunk.id;
    this.model ||= chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) if (choice.finishReason) this.finishReasons.push(choice.finishReason);
  }

  attributes(): tracing.Attributes {
    return {
      ...(this.id ? { "gen_ai.response.id": this.id } : {}),
      ...(this.model ? { "gen_ai.response.model": this.model } : {}),
      ...(this.finishReasons.length > 0 ? { "gen_ai.response.finish_reasons": this.finishReasons } : {}),
      ...(this.firstChunkAt > 0
        ? { "gen_ai.response.time_to_first_chunk": (this.firstChunkAt - this.startedAt) / 1000 }
        : {}),
      ...usageAttributes(this.usage),
    };
  }
}

/**
 * Wraps an adapter so the upstream spans of each attempt carry the answer's GenAI attributes. Apply it only while
 * tracing is on; the adapter's other properties (info, env) are kept.
 */
export function traceAdapter(adapter: ProviderAdapter): ProviderAdapter {
  const open = (ctx: AttemptContext, operation: string, attributes: tracing.Attributes) => {
    attempts.set(ctx.signal, { operation, attributes, spans: [] });
    // The attempt's usage event is published without the signal: it finds the call's span by request and deployment.
    tracing.park(usageTraceKey(ctx.requestId, ctx.deployment.id), tracing.parentContext(ctx.signal));
  };
  const traced: ProviderAdapter = {
    ...adapter,
    async chat(request, ctx) {
      open(ctx, "chat", requestAttributes(request));
      try {
        const completion = await adapter.chat(request, ctx);
        settle(ctx.signal, completionAttributes(completion));
        return completion;
      } catch (err) {
        settle(ctx.signal, {}, err);
        throw err;
      }
    },
    async *streamChat(request, ctx) {
      open(ctx, "chat", { ...requestAttributes(request), "gen_ai.request.stream": true });
      const answer = new StreamAnswer();
      let failure: unknown;
      try {
        for await (const chunk of adapter.streamChat(request, ctx)) {
          answer.see(chunk);
          yield chunk;
        }
      } catch (err) {
        failure = err;
        throw err;
      } finally {
        settle(ctx.signal, answer.attributes(), failure);
      }
    },
  };
  const embed = adapter.embed;
  if (embed) {
    traced.embed = async (request, ctx) => {
      open(ctx, "embeddings", {});
      try {
        const response = await embed(request, ctx);
        settle(ctx.signal, { "gen_ai.response.model": response.model, ...usageAttributes(response.usage) });
        return response;
      } catch (err) {
        settle(ctx.signal, {}, err);
        throw err;
      }
    };
  }
  return traced;
}
