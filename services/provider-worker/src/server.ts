import { create } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { llm, worker } from "@switchyard/proto";
import { addService, GatewayError, type Logger } from "@switchyard/runtime";
import type { Dispatcher } from "undici";
import { forRequestedModel, type Targets } from "./deployments.js";
import type { AttemptContext } from "./providers/types.js";

/** Dependencies of the provider worker's gRPC service. */
export interface WorkerDeps {
  targets: Targets;
  dispatcher: Dispatcher;
  log: Logger;
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/**
 * An AbortSignal that fires when the caller cancels (client gone, upstream hop cancelled) or the
 * propagated gRPC deadline passes, so the upstream HTTP request is cut at once.
 */
function attemptSignal(call: AnyCall): { signal: AbortSignal; timedOut: () => boolean; done: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const onCancel = () => controller.abort();
  call.on("cancelled", onCancel);
  let timer: NodeJS.Timeout | undefined;
  const deadline = call.getDeadline();
  const ms = (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
  if (Number.isFinite(ms)) {
    timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(ms, 0),
    );
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer);
      call.off("cancelled", onCancel);
    },
  };
}

function failure(err: unknown, timedOut: boolean, deploymentId: string): GatewayError {
  if (timedOut) {
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

/** Registers ProviderWorkerService on a gRPC server. */
export function registerWorker(server: grpc.Server, deps: WorkerDeps): void {
  const context = (
    req: worker.ChatRequest | worker.StreamChatRequest,
    signal: AbortSignal,
  ): [AttemptContext, llm.ChatCompletionRequest] => {
    const target = deps.targets.get(req.deploymentId);
    const ctx: AttemptContext = {
      deployment: forRequestedModel(target.deployment, req.request?.model ?? ""),
      apiKey: target.apiKey,
      signal,
      dispatcher: deps.dispatcher,
      requestId: req.requestId,
      log: deps.log,
    };
    return [ctx, req.request ?? create(llm.ChatCompletionRequestSchema)];
  };

  addService(server, worker.ProviderWorkerService, {
    async chat(call, callback) {
      const attempt = attemptSignal(call);
      try {
        const [ctx, request] = context(call.request, attempt.signal);
        const completion = await deps.targets.get(call.request.deploymentId).adapter.chat(request, ctx);
        callback(null, create(worker.ChatResponseSchema, { completion }));
      } catch (err) {
        const error = failure(err, attempt.timedOut(), call.request.deploymentId);
        logFailure(deps.log, error, call.request.requestId);
        callback(error.toStatus());
      } finally {
        attempt.done();
      }
    },
    async streamChat(call) {
      const attempt = attemptSignal(call);
      try {
        const [ctx, request] = context(call.request, attempt.signal);
        const chunks = deps.targets.get(call.request.deploymentId).adapter.streamChat(request, ctx);
        for await (const chunk of chunks) {
          if (call.cancelled) return;
          // The usage-only chunk reaches the client only when it asked for it (stream_options.include_usage).
          if (chunk.usage && chunk.choices.length === 0 && !request.includeUsage) continue;
          if (!call.write(create(worker.StreamChatResponseSchema, { chunk }))) {
            await new Promise((resolve) => call.once("drain", resolve));
          }
        }
        call.end();
      } catch (err) {
        if (call.cancelled) return;
        const error = failure(err, attempt.timedOut(), call.request.deploymentId);
        logFailure(deps.log, error, call.request.requestId);
        call.emit("error", error.toStatus());
      } finally {
        attempt.done();
      }
    },
  });
}
