import { create } from "@bufbuild/protobuf";
import { llm, worker } from "@switchyard/proto";
import { connect, GatewayError, type Logger } from "@switchyard/runtime";
import type { Dispatcher } from "undici";
import { forRequestedModel, type Targets } from "./deployments.js";
import { type AttemptInfo, AttemptMeter, type Pricer, type UsageSink } from "./metering/meter.js";
import type { AttemptContext, ProviderAdapter } from "./providers/types.js";

/** Dependencies of the provider worker's Connect service. */
export interface WorkerDeps {
  targets: Targets;
  dispatcher: Dispatcher;
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

/** The ProviderWorkerService routes, served over Connect; the abort signal reaches the upstream HTTP request. */
export function workerRoutes(deps: WorkerDeps, routes: connect.Routes = new Map()): connect.Routes {
  const context = (
    req: worker.ChatRequest | worker.StreamChatRequest,
    signal: AbortSignal,
  ): [ProviderAdapter, AttemptContext, llm.ChatCompletionRequest] => {
    const target = deps.targets.get(req.deploymentId);
    const ctx: AttemptContext = {
      deployment: forRequestedModel(target.deployment, req.request?.model ?? ""),
      apiKey: target.apiKey,
      signal,
      dispatcher: deps.dispatcher,
      requestId: req.requestId,
      log: deps.log,
    };
    return [target.adapter, ctx, req.request ?? create(llm.ChatCompletionRequestSchema)];
  };

  const meter = (
    req: worker.ChatRequest | worker.StreamChatRequest,
    attempt: AttemptContext,
    request: llm.ChatCompletionRequest,
    stream: boolean,
  ): AttemptMeter => {
    const info: AttemptInfo = {
      requestId: req.requestId,
      attempt: req.attempt,
      caller: req.caller,
      requestedModel: req.requestedModel || request.model,
      modelGroup: req.modelGroup || request.model,
      fallbackDepth: req.fallbackDepth,
      deployment: attempt.deployment,
      request,
      stream,
    };
    return new AttemptMeter(info, deps.pricer, deps.usage);
  };

  return connect.addConnectService(routes, worker.ProviderWorkerService, {
    async chat(req, ctx) {
      let metered: AttemptMeter | undefined;
      try {
        const [adapter, attempt, request] = context(req, ctx.signal);
        metered = meter(req, attempt, request, false);
        const completion = await adapter.chat(request, attempt);
        const charge = await metered.finish({ status: "ok", usage: completion.usage });
        return create(worker.ChatResponseSchema, { completion, charge });
      } catch (err) {
        const error = failure(err, ctx.signal, req.deploymentId);
        logFailure(deps.log, error, req.requestId);
        await metered?.finish({ status: "error", error });
        throw error;
      }
    },
    async streamChat(req, ctx, sink) {
      let metered: AttemptMeter | undefined;
      try {
        const [adapter, attempt, request] = context(req, ctx.signal);
        metered = meter(req, attempt, request, true);
        const chunks = adapter.streamChat(request, attempt);
        for await (const chunk of chunks) {
          ctx.signal.throwIfAborted();
          metered.chunk(chunk);
          // The usage-only chunk reaches the client only when it asked for it (stream_options.include_usage).
          if (chunk.usage && chunk.choices.length === 0 && !request.includeUsage) continue;
          await sink.write(create(worker.StreamChatResponseSchema, { chunk }));
        }
        ctx.signal.throwIfAborted();
        const charge = await metered.finish({ status: "ok" });
        // After the last chunk, one message without a chunk carries what the attempt cost.
        await sink.write(create(worker.StreamChatResponseSchema, { charge }));
      } catch (err) {
        const error = failure(err, ctx.signal, req.deploymentId);
        if (error.errorClass !== llm.ErrorClass.CANCELLED) logFailure(deps.log, error, req.requestId);
        if (metered && !metered.isFinished) await metered.finish({ status: "error", error });
        throw error;
      }
    },
  });
}
