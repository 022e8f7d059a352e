import { create } from "@bufbuild/protobuf";
import { type RouterSettings, timeoutsFor } from "@switchyard/config";
import { llm, type metering, worker } from "@switchyard/proto";
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
    const sent = req.$typeName === "switchyard.worker.v1.StreamChatRequest" ? req : undefined;
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
    req: Exclude<AnyRequest, worker.StreamChatRequest>,
    signal: AbortSignal,
    what: string,
    info: Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt">,
    pick: (adapter: ProviderAdapter) => ((attempt: AttemptContext) => Promise<R>) | undefined,
    billed?: (response: R) => metering.Tokens | undefined,
  ): Promise<[R, metering.Charge]> => {
    let metered: AttemptMeter | undefined;
    try {
      const target = deps.targets.get(req.deploymentId);
      const attempt = attemptContext(req, target, signal, limits(req, target));
      const model = req.request?.model ?? "";
      const run = pick(target.adapter);
      if (!run) {
        throw new GatewayError({
          class: llm.ErrorClass.INVALID_REQUEST,
          message: `${target.deployment.provider} does not support ${what} (model "${model}")`,
          param: "model",
          code: "unsupported_operation",
          deploymentId: req.deploymentId,
        });
      }
      metered = new AttemptMeter({ ...attemptInfo(req, attempt), ...info, stream: false }, deps.pricer, deps.usage);
      const response = await run(attempt);
      const usage = (response as { usage?: llm.Usage }).usage;
      const units = billed?.(response);
      return [response, await metered.finish({ status: "ok", usage, ...(units ? { billed: units } : {}) })];
    } catch (err) {
      const error = failure(err, signal, req.deploymentId);
      logFailure(deps.log, error, req.requestId);
      await metered?.finish({ status: "error", error });
      throw error;
    }
  };

  return connect.addConnectService(routes, worker.ProviderWorkerService, {
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
    async streamChat(req, ctx, sink) {
      let metered: AttemptMeter | undefined;
      let pacer: Pacer | undefined;
      // The last chunk sent, and whether a usage chunk was among those sent.
      const sent: { last?: llm.ChatCompletionChunk; usage: boolean } = { usage: false };
      let includeUsage = false;
      try {
        const target = deps.targets.get(req.deploymentId);
        const pace = limits(req, target);
        pacer = new Pacer(ctx.signal, { ...pace, deadline: ctx.deadline });
        const attempt = attemptContext(req, target, pacer.signal, pace);
        const request = req.request ?? create(llm.ChatCompletionRequestSchema);
        includeUsage = request.includeUsage;
        metered = new AttemptMeter(
          { ...attemptInfo(req, attempt), ...chatRequestInfo(request), stream: true },
          deps.pricer,
          deps.usage,
        );
        const chunks = target.adapter.streamChat(request, attempt);
        for await (const chunk of chunks) {
          pacer.signal.throwIfAborted();
          pacer.chunk();
          metered.chunk(chunk);
          // The usage-only chunk reaches the client only when it asked for it (stream_options.include_usage).
          if (chunk.usage && chunk.choices.length === 0 && !includeUsage) continue;
          await sink.write(create(worker.StreamChatResponseSchema, { chunk }));
          sent.last = chunk;
          sent.usage ||= chunk.usage !== undefined;
        }
        pacer.signal.throwIfAborted();
        const charge = await metered.finish({ status: "ok" });
        // After the last chunk, one message without a chunk carries what the attempt cost.
        await sink.write(create(worker.StreamChatResponseSchema, { charge }));
      } catch (err) {
        const error = pacer?.reason ?? failure(err, ctx.signal, req.deploymentId);
        if (!error.detail.deploymentId) error.detail.deploymentId = req.deploymentId;
        if (error.errorClass !== llm.ErrorClass.CANCELLED) logFailure(deps.log, error, req.requestId);
        if (metered && !metered.isFinished) {
          const charge = await metered.finish({ status: "error", error });
          // A stream cut after its first chunk, with the caller still listening: before the error, it learns what
          // the attempt used (when it asked for usage) and what it cost.
          if (sent.last && !ctx.signal.aborted) {
            try {
              if (includeUsage && !sent.usage) await sink.write(usageChunk(sent.last, charge));
              await sink.write(create(worker.StreamChatResponseSchema, { charge }));
            } catch {
              // The caller went away meanwhile: the usage event has the numbers.
            }
          }
        }
        throw error;
      } finally {
        pacer?.close();
      }
    },
  });
}

/** A usage-only chunk for a stream cut short: the tokens counted so far (estimated when the upstream sent none). */
function usageChunk(last: llm.ChatCompletionChunk, charge: metering.Charge): worker.StreamChatResponse {
  const usage = create(llm.UsageSchema, {
    promptTokens: charge.promptTokens,
    completionTokens: charge.completionTokens,
    totalTokens: charge.promptTokens + charge.completionTokens,
    estimated: charge.estimated,
  });
  const chunk = create(llm.ChatCompletionChunkSchema, { id: last.id, created: last.created, model: last.model, usage });
  return create(worker.StreamChatResponseSchema, { chunk });
}
