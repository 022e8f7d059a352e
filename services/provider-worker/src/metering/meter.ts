// One usage event per upstream attempt. The worker makes the upstream call, so it is the one place
// that sees the attempt's real usage, timing and outcome; the router tells it who asked and where in
// the fallback chain the attempt sits. The event is handed to the sink (the NATS publisher) without
// waiting, and the charge goes back to the client with the answer.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { estimatePromptTokens, estimateTextTokens } from "@switchyard/openai";
import { llm, metering } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";

/** Where finished usage events go. `publish` must not throw or wait on the network. */
export interface UsageSink {
  publish(event: metering.UsageEvent): void;
}

/** Prices token counts for a deployment. */
export interface Pricer {
  charge(deployment: Deployment, tokens: metering.Tokens): { costNanos: bigint; version: string };
}

/** The routing context of one attempt, as the router sent it. */
export interface AttemptInfo {
  readonly requestId: string;
  readonly attempt: number;
  readonly caller: metering.Caller | undefined;
  readonly requestedModel: string;
  readonly modelGroup: string;
  readonly fallbackDepth: number;
  /** The deployment as called (wildcards resolved to the upstream model). */
  readonly deployment: Deployment;
  /** What the attempt does: "chat.completions", "embeddings" ... */
  readonly operation: string;
  /** The request's end user, tags and metadata, for attribution. */
  readonly user: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Counts the prompt with the tokenizer, for an attempt the upstream reported no usage for. */
  readonly estimatePrompt: () => Promise<number>;
  readonly stream: boolean;
}

/** The attribution and prompt estimate of a chat request. */
export function chatRequestInfo(
  request: llm.ChatCompletionRequest,
): Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt"> {
  return {
    operation: "chat.completions",
    user: request.user ?? "",
    tags: request.tags,
    metadata: request.metadata,
    estimatePrompt: () => estimatePromptTokens(request),
  };
}

/** The attribution and prompt estimate of an embeddings request (text inputs counted, token inputs as given). */
export function embeddingRequestInfo(
  request: llm.EmbeddingRequest,
): Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt"> {
  return {
    operation: "embeddings",
    user: request.user,
    tags: request.tags,
    metadata: request.metadata,
    estimatePrompt: async () =>
      request.texts.length > 0
        ? estimateTextTokens(request.texts)
        : request.tokenInputs.reduce((sum, t) => sum + t.ids.length, 0),
  };
}

/** The attribution and prompt estimate of a text completion request (text prompts counted, token prompts as given). */
export function completionRequestInfo(
  request: llm.CompletionRequest,
): Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt"> {
  return {
    operation: "completions",
    user: request.user,
    tags: request.tags,
    metadata: request.metadata,
    estimatePrompt: async () =>
      request.prompts.length > 0
        ? estimateTextTokens(request.prompts)
        : request.tokenPrompts.reduce((sum, t) => sum + t.ids.length, 0),
  };
}

/** The attribution and prompt estimate of a rerank request: the query and every document. */
export function rerankRequestInfo(
  request: llm.RerankRequest,
): Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt"> {
  return {
    operation: "rerank",
    user: "",
    tags: request.tags,
    metadata: request.metadata,
    estimatePrompt: async () => estimateTextTokens([request.query, ...request.documents.map((d) => d.text || d.json)]),
  };
}

/**
 * What a rerank answer bills when the provider counts search units (Cohere): the units, priced by the `query` rate,
 * with the tokens it reported if any. Undefined for token-billed providers, whose reported usage is metered as usual.
 */
export function rerankBilled(response: llm.RerankResponse): metering.Tokens | undefined {
  if (response.searchUnits === 0) return undefined;
  return create(metering.TokensSchema, { prompt: response.usage?.promptTokens ?? 0, queries: response.searchUnits });
}

/** The process name stamped on events: the pod name in Kubernetes, else host and pid. */
export const INSTANCE = process.env.HOSTNAME ?? `${hostname()}:${process.pid}`;

function tokensOf(usage: llm.Usage): metering.Tokens {
  return create(metering.TokensSchema, {
    prompt: usage.promptTokens,
    completion: usage.completionTokens,
    cacheRead: usage.cachedTokens,
    cacheWrite: usage.cacheCreationTokens,
    reasoning: usage.reasoningTokens,
    promptAudio: usage.promptAudioTokens,
    completionAudio: usage.completionAudioTokens,
    estimated: usage.estimated,
  });
}

/** How an attempt ended, as the meter needs to know it. */
export type Outcome =
  | {
      readonly status: "ok";
      readonly usage?: llm.Usage;
      /** The units billed, for operations not billed by reported tokens (images, seconds, characters). */
      readonly billed?: metering.Tokens;
    }
  | { readonly status: "error"; readonly error: GatewayError };

/**
 * Meters one attempt: create it when the attempt starts, feed it the streamed chunks, and call
 * `finish` exactly once. Generated text is kept only as references to the chunks' strings, and only
 * counted when the upstream reports no usage.
 */
export class AttemptMeter {
  readonly eventId = randomUUID();
  private readonly startedAt = Date.now();
  private firstChunkAt = 0;
  private usage: llm.Usage | undefined;
  private readonly generated: string[] = [];
  private finished = false;

  constructor(
    private readonly info: AttemptInfo,
    private readonly pricer: Pricer,
    private readonly sink: UsageSink,
  ) {}

  /** True once `finish` was called. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Records a streamed chunk: time to first chunk, the usage when it carries one, else its text. */
  chunk(chunk: llm.ChatCompletionChunk): void {
    if (this.firstChunkAt === 0) this.firstChunkAt = Date.now();
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (!delta) continue;
      if (delta.content) this.generated.push(delta.content);
      if (delta.reasoningContent) this.generated.push(delta.reasoningContent);
      if (delta.refusal) this.generated.push(delta.refusal);
      for (const call of delta.toolCalls) {
        if (call.name) this.generated.push(call.name);
        if (call.arguments) this.generated.push(call.arguments);
      }
    }
  }

  /** Records a streamed text completion chunk: time to first chunk, the usage when it carries one, else its text. */
  textChunk(chunk: llm.Completion): void {
    if (this.firstChunkAt === 0) this.firstChunkAt = Date.now();
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) if (choice.text) this.generated.push(choice.text);
  }

  /**
   * Ends the attempt: builds its usage event, publishes it and returns the charge. An answer without
   * usage, and an attempt cut off by the client or a deadline, are counted with the tokenizer (the
   * prompt, plus what was generated so far) and marked estimated: the upstream may bill them. An
   * attempt the upstream refused costs nothing.
   */
  async finish(outcome: Outcome): Promise<metering.Charge> {
    if (this.finished) throw new Error("attempt already metered");
    this.finished = true;
    const endedAt = Date.now();
    const status = statusOf(outcome);
    const tokens = await this.tokens(outcome, status);
    const { costNanos, version } = this.pricer.charge(this.info.deployment, tokens);
    const { info } = this;
    const caller = create(metering.CallerSchema, info.caller);
    if (info.user) caller.endUser = info.user;
    for (const tag of info.tags) if (!caller.tags.includes(tag)) caller.tags.push(tag);
    for (const [k, v] of Object.entries(info.metadata)) caller.metadata[k] = v;
    const error = outcome.status === "error" ? outcome.error : undefined;
    const event = create(metering.UsageEventSchema, {
      eventId: this.eventId,
      requestId: info.requestId,
      attempt: info.attempt,
      startedAtMs: BigInt(this.startedAt),
      endedAtMs: BigInt(endedAt),
      caller,
      route: {
        requestedModel: info.requestedModel,
        modelGroup: info.modelGroup,
        deploymentId: info.deployment.id,
        provider: info.deployment.provider,
        upstreamModel: info.deployment.model,
        fallbackDepth: info.fallbackDepth,
      },
      tokens,
      costNanos,
      priceVersion: version,
      latencyMs: endedAt - this.startedAt,
      ttftMs: this.firstChunkAt === 0 ? 0 : this.firstChunkAt - this.startedAt,
      stream: info.stream,
      status,
      errorClass: error?.errorClass ?? llm.ErrorClass.UNSPECIFIED,
      httpStatus: error ? error.detail.httpStatus : 200,
      operation: info.operation,
      instance: INSTANCE,
    });
    this.sink.publish(event);
    return create(metering.ChargeSchema, {
      costNanos,
      priceVersion: version,
      eventId: this.eventId,
      estimated: tokens.estimated,
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
    });
  }

  private async tokens(outcome: Outcome, status: metering.Status): Promise<metering.Tokens> {
    if (outcome.status === "ok" && outcome.billed) return outcome.billed;
    const reported = outcome.status === "ok" ? (outcome.usage ?? this.usage) : this.usage;
    if (reported) return tokensOf(reported);
    // The upstream refused (4xx/5xx before generating): nothing to bill.
    if (status === metering.Status.ERROR && this.firstChunkAt === 0 && !mayHaveRun(outcome)) {
      return create(metering.TokensSchema);
    }
    const prompt = await this.info.estimatePrompt();
    const completion = await estimateTextTokens(this.generated);
    return create(metering.TokensSchema, { prompt, completion, estimated: true });
  }
}

/** Failures after which the upstream may have done (and billed) work: deadlines and cut connections. */
function mayHaveRun(outcome: Outcome): boolean {
  if (outcome.status !== "error") return true;
  const cls = outcome.error.errorClass;
  return cls === llm.ErrorClass.TIMEOUT || cls === llm.ErrorClass.CANCELLED;
}

function statusOf(outcome: Outcome): metering.Status {
  if (outcome.status === "ok") return metering.Status.OK;
  return outcome.error.errorClass === llm.ErrorClass.CANCELLED ? metering.Status.CANCELLED : metering.Status.ERROR;
}
