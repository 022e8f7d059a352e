import { create, type Message } from "@bufbuild/protobuf";
import { type RouterSettings, timeoutsFor } from "@switchyard/config";
import { llm, metering, worker } from "@switchyard/proto";
import { connect, GatewayError, type Logger } from "@switchyard/runtime";
import type { Dispatcher } from "undici";
import { forRequestedModel, type Target, type Targets } from "./deployments.js";
import { imagesBilled, mediaRequestInfo, speechBilled, transcriptionBilled } from "./metering/media.js";
import {
  type AttemptInfo,
  AttemptMeter,
  chatRequestInfo,
  completionRequestInfo,
  embeddingRequestInfo,
  type Pricer,
  rerankBilled,
  rerankRequestInfo,
  type UsageSink,
} from "./metering/meter.js";
import { Pacer } from "./pacing.js";
import type { AttemptContext, AttemptTimeouts, ProviderAdapter } from "./providers/types.js";

/** Dependencies of the provider worker's Connect service. */
export interface WorkerDeps {
  targets: Targets;
  /** The connection pool for upstreams with this connect timeout (one pool per distinct timeout). */
  dispatcher: (connectTimeoutMs: number) => Dispatcher;
  /** Resolves the limits a router did not send (an older router, or a direct caller). */
  router: RouterSettings;
  log: Logger;
  /** Prices each attempt's tokens. */
  pricer: Pricer;
  /** Receives one usage event per attempt. */
  usage: UsageSink;
}

function failure(err: unknown, signal: AbortSignal, deploymentId: string): GatewayError {
  // The Connect server aborts the signal with a TIMEOUT GatewayError when the propagated deadline passes.
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof GatewayError && reason.errorClass === llm.ErrorClass.TIMEOUT) {
    return new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "upstream attempt timed out", deploymentId });
  }
  const error = GatewayError.from(err);
  if (!error.detail.deploymentId) error.detail.deploymentId = deploymentId;
  return error;
}

/** The charge of an attempt that failed before anything was sent upstream. */
const NOTHING_CHARGED = create(metering.ChargeSchema);

/** Puts what a failed attempt was charged on its error, for the router to add up over the request's attempts. */
function withCharge(error: GatewayError, charge: metering.Charge): GatewayError {
  error.detail.costNanos = charge.costNanos;
  error.detail.promptTokens = charge.promptTokens;
  error.detail.completionTokens = charge.completionTokens;
  return error;
}

function logFailure(log: Logger, error: GatewayError, requestId: string): void {
  const level = error.errorClass === llm.ErrorClass.INTERNAL ? "error" : "info";
  log[level](
    { requestId, deployment: error.detail.deploymentId, class: llm.ErrorClass[error.errorClass], err: error.cause },
    error.message,
  );
}

/** The audio and image attempts. */
type MediaRequest =
  | worker.TranscribeRequest
  | worker.SpeakRequest
  | worker.GenerateImagesRequest
  | worker.VaryImageRequest;

/** The ProviderWorkerService routes, served over Connect; the abort signal reaches the upstream HTTP request. */
export function workerRoutes(deps: WorkerDeps, routes: connect.Routes = new Map()): connect.Routes {
  type AnyRequest =
    | worker.ChatRequest
    | worker.StreamChatRequest
    | worker.EmbedRequest
    | worker.CompleteRequest
    | worker.StreamCompleteRequest
    | worker.RerankRequest
    | MediaRequest;
  const attemptContext = (
    req: AnyRequest,
    target: Target,
    signal: AbortSignal,
    timeouts: AttemptTimeouts & { connectMs: number },
  ): AttemptContext => ({
    deployment: forRequestedModel(target.deployment, req.request?.model ?? ""),
    apiKey: target.apiKey,
    credentials: target.credentials,
    signal,
    timeouts,
    dispatcher: deps.dispatcher(timeouts.connectMs),
    requestId: req.requestId,
    log: deps.log,
  });
  /** The attempt's limits: as the router sent them, else from this worker's configuration. */
  const limits = (req: AnyRequest, target: Target) => {
    const own = timeoutsFor(deps.router, req.modelGroup || req.request?.model || "", target.deployment);
    const sent =
      req.$typeName === "switchyard.worker.v1.StreamChatRequest" ||
      req.$typeName === "switchyard.worker.v1.StreamCompleteRequest"
        ? req
        : undefined;
    return {
      connectMs: req.connectTimeoutMs || own.connectMs,
      attemptMs: own.attemptMs,
      firstTokenMs: sent?.firstTokenTimeoutMs || own.firstTokenMs,
      idleMs: sent?.idleTimeoutMs || own.idleMs,
    };
  };

  /** The usage event's fields an attempt has whatever its operation. */
  const attemptInfo = (req: AnyRequest, attempt: AttemptContext) => {
    const model = req.request?.model ?? "";
    return {
      requestId: req.requestId,
      attempt: req.attempt,
      caller: req.caller,
      requestedModel: req.requestedModel || model,
      modelGroup: req.modelGroup || model,
      fallbackDepth: req.fallbackDepth,
      deployment: attempt.deployment,
    };
  };

  /**
   * Runs one metered unary attempt; `pick` gives the adapter's method for the operation, and a provider without one
   * is refused with a 400 naming the provider and the operation. The Connect deadline bounds the attempt; the
   * configured timeout only matters to a caller that sent none.
   */
  const unaryAttempt = async <R extends object>(
    req: Exclude<AnyRequest, worker.StreamChatRequest | worker.StreamCompleteRequest>,
    signal: AbortSignal,
    what: string,
    info: Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt">,
    pick: (adapter: ProviderAdapter) => ((attempt: AttemptContext) => Promise<R>) | undefined,
    billed?: (response: R) => metering.Tokens | undefined | Promise<metering.Tokens>,
  ): Promise<[R, metering.Charge]> => {
    let metered: AttemptMeter | undefined;
    try {
      const target = deps.targets.get(req.deploymentId);
      const attempt = attemptContext(req, target, signal, limits(req, target));
      const model = req.request?.model ?? "";
      const run = pick(target.adapter);
      if (!run) throw unsupported(target, what, model, req.deploymentId);
      metered = new AttemptMeter({ ...attemptInfo(req, attempt), ...info, stream: false }, deps.pricer, deps.usage);
      const response = await run(attempt);
      const usage = (response as { usage?: llm.Usage }).usage;
      const units = await billed?.(response);
      return [response, await metered.finish({ status: "ok", usage, ...(units ? { billed: units } : {}) })];
    } catch (err) {
      const error = failure(err, signal, req.deploymentId);
      logFailure(deps.log, error, req.requestId);
      // Before the meter started, nothing was sent upstream: the attempt cost nothing.
      throw withCharge(error, metered ? await metered.finish({ status: "error", error }) : NOTHING_CHARGED);
    }
  };

  connect.addConnectService(routes, worker.ProviderWorkerService, {
    async transcribe(req, ctx) {
      const request = req.request ?? create(llm.TranscriptionRequestSchema);
      const [response, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "audio transcriptions",
        mediaRequestInfo("audio.transcriptions", request),
        ({ transcribe }) => transcribe && ((attempt) => transcribe(request, attempt)),
        (res) => transcriptionBilled(request, res),
      );
      return create(worker.TranscribeResponseSchema, { response, charge });
    },
    async speak(req, ctx) {
      const request = req.request ?? create(llm.SpeechRequestSchema);
      const [response, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "text to speech",
        mediaRequestInfo("audio.speech", request),
        ({ speak }) => speak && ((attempt) => speak(request, attempt)),
        () => speechBilled(request),
      );
      return create(worker.SpeakResponseSchema, { response, charge });
    },
    async generateImages(req, ctx) {
      const request = req.request ?? create(llm.ImageGenerationRequestSchema);
      const [response, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "image generation",
        mediaRequestInfo("images.generations", request),
        ({ generateImages }) => generateImages && ((attempt) => generateImages(request, attempt)),
        imagesBilled,
      );
      return create(worker.GenerateImagesResponseSchema, { response, charge });
    },
    async varyImage(req, ctx) {
      const request = req.request ?? create(llm.ImageVariationRequestSchema);
      const [response, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "image variations",
        mediaRequestInfo("images.variations", request),
        ({ varyImage }) => varyImage && ((attempt) => varyImage(request, attempt)),
        imagesBilled,
      );
      return create(worker.VaryImageResponseSchema, { response, charge });
    },
    async complete(req, ctx) {
      const request = req.request ?? create(llm.CompletionRequestSchema);
      const [completion, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "text completions",
        completionRequestInfo(request),
        ({ complete }) => complete && ((attempt) => complete(request, attempt)),
      );
      return create(worker.CompleteResponseSchema, { completion, charge });
    },
    async rerank(req, ctx) {
      const request = req.request ?? create(llm.RerankRequestSchema);
      const [response, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "rerank",
        rerankRequestInfo(request),
        ({ rerank }) => rerank && ((attempt) => rerank(request, attempt)),
        rerankBilled,
      );
      return create(worker.RerankResponseSchema, { response, charge });
    },
    async embed(req, ctx) {
      const request = req.request ?? create(llm.EmbeddingRequestSchema);
      const [response, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "embeddings",
        embeddingRequestInfo(request),
        ({ embed }) => embed && ((attempt) => embed(request, attempt)),
      );
      return create(worker.EmbedResponseSchema, { response, charge });
    },
    async chat(req, ctx) {
      const request = req.request ?? create(llm.ChatCompletionRequestSchema);
      const [completion, charge] = await unaryAttempt(
        req,
        ctx.signal,
        "chat completions",
        chatRequestInfo(request),
        (adapter) => (attempt) => adapter.chat(request, attempt),
      );
      return create(worker.ChatResponseSchema, { completion, charge });
    },
    streamChat: (req, ctx, sink) => {
      const request = req.request ?? create(llm.ChatCompletionRequestSchema);
      return streamAttempt(req, ctx, sink, {
        what: "chat completions",
        info: chatRequestInfo(request),
        includeUsage: request.includeUsage,
        open: (adapter, attempt) => adapter.streamChat(request, attempt),
        record: (meter, chunk) => meter.chunk(chunk),
        message: (init) => create(worker.StreamChatResponseSchema, init),
        usageChunk: (last, usage) =>
          create(llm.ChatCompletionChunkSchema, { id: last.id, created: last.created, model: last.model, usage }),
      });
    },
    streamComplete: (req, ctx, sink) => {
      const request = req.request ?? create(llm.CompletionRequestSchema);
      return streamAttempt(req, ctx, sink, {
        what: "streamed text completions",
        info: completionRequestInfo(request),
        includeUsage: request.includeUsage,
        open: (adapter, attempt) => adapter.streamComplete?.(request, attempt),
        record: (meter, chunk) => meter.textChunk(chunk),
        message: (init) => create(worker.StreamCompleteResponseSchema, init),
        usageChunk: (last, usage) =>
          create(llm.CompletionSchema, { id: last.id, created: last.created, model: last.model, usage }),
      });
    },
  });
  return routes;

  /**
   * Runs one metered streamed attempt and writes its chunks to the caller, paced by the attempt's first-token, idle
   * and total limits. The upstream's usage-only chunk reaches the caller only when it asked for usage; after the last
   * chunk, one message without a chunk carries what the attempt cost. A stream cut after its first chunk, with the
   * caller still listening, learns before the error what the attempt used (when it asked for usage) and cost.
   */
  async function streamAttempt<Chunk extends StreamedChunk, Res extends Message>(
    req: worker.StreamChatRequest | worker.StreamCompleteRequest,
    ctx: connect.HandlerContext,
    sink: connect.StreamSink<Res>,
    kind: StreamKind<Chunk, Res>,
  ): Promise<void> {
    let metered: AttemptMeter | undefined;
    let pacer: Pacer | undefined;
    // The last chunk sent, and whether a usage chunk was among those sent.
    const sent: { last?: Chunk; usage: boolean } = { usage: false };
    try {
      const target = deps.targets.get(req.deploymentId);
      const pace = limits(req, target);
      pacer = new Pacer(ctx.signal, { ...pace, deadline: ctx.deadline });
      const attempt = attemptContext(req, target, pacer.signal, pace);
      const chunks = kind.open(target.adapter, attempt);
      if (!chunks) throw unsupported(target, kind.what, req.request?.model ?? "", req.deploymentId);
      metered = new AttemptMeter({ ...attemptInfo(req, attempt), ...kind.info, stream: true }, deps.pricer, deps.usage);
      for await (const chunk of chunks) {
        pacer.signal.throwIfAborted();
        pacer.chunk();
        kind.record(metered, chunk);
        if (chunk.usage && chunk.choices.length === 0 && !kind.includeUsage) continue;
        await sink.write(kind.message({ chunk }));
        sent.last = chunk;
        sent.usage ||= chunk.usage !== undefined;
      }
      pacer.signal.throwIfAborted();
      const charge = await metered.finish({ status: "ok" });
      await sink.write(kind.message({ charge }));
    } catch (err) {
      const error = pacer?.reason ?? failure(err, ctx.signal, req.deploymentId);
      if (!error.detail.deploymentId) error.detail.deploymentId = req.deploymentId;
      if (error.errorClass !== llm.ErrorClass.CANCELLED) logFailure(deps.log, error, req.requestId);
      if (metered && !metered.isFinished) {
        const charge = await metered.finish({ status: "error", error });
        if (sent.last && !ctx.signal.aborted) {
          try {
            if (kind.includeUsage && !sent.usage) {
              await sink.write(kind.message({ chunk: kind.usageChunk(sent.last, usageOf(charge)) }));
            }
            await sink.write(kind.message({ charge }));
          } catch {
            // The caller went away meanwhile: the usage event has the numbers.
          }
        }
        withCharge(error, charge);
      } else if (!metered) {
        withCharge(error, NOTHING_CHARGED);
      }
      throw error;
    } finally {
      pacer?.close();
    }
  }
}

/** What a streamed chunk has that the stream loop reads. */
interface StreamedChunk {
  readonly usage?: llm.Usage;
  readonly choices: readonly unknown[];
}

/** How one streamed operation opens, meters and wraps its chunks. */
interface StreamKind<Chunk, Res> {
  /** The operation, for the refusal of a provider without it. */
  readonly what: string;
  readonly info: Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt">;
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** The adapter's chunks; undefined when the provider does not offer the operation. */
  open(adapter: ProviderAdapter, attempt: AttemptContext): AsyncIterable<Chunk> | undefined;
  record(meter: AttemptMeter, chunk: Chunk): void;
  message(init: { chunk?: Chunk; charge?: metering.Charge }): Res;
  /** A usage-only chunk after `last`. */
  usageChunk(last: Chunk, usage: llm.Usage): Chunk;
}

/** A provider without the operation: a 400 naming the provider and the operation. */
function unsupported(target: Target, what: string, model: string, deploymentId: string): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.INVALID_REQUEST,
    message: `${target.deployment.provider} does not support ${what} (model "${model}")`,
    param: "model",
    code: "unsupported_operation",
    deploymentId,
  });
}

/** The tokens counted so far of a stream cut short (estimated when the upstream sent none). */
function usageOf(charge: metering.Charge): llm.Usage {
  return create(llm.UsageSchema, {
    promptTokens: charge.promptTokens,
    completionTokens: charge.completionTokens,
    totalTokens: charge.promptTokens + charge.completionTokens,
    estimated: charge.estimated,
  });
}
