import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { llm, router, worker } from "@switchyard/proto";
import { addService, callStreamRaw, callUnaryRaw, type Encoded, GatewayError, type Logger } from "@switchyard/runtime";
import { type Attempt, type RouteDeps, RoutingFailed, route } from "./route.js";
import type { WorkerPool } from "./workers.js";

/** Dependencies of the router's gRPC service. */
export interface RouterDeps extends RouteDeps {
  pool: WorkerPool;
  log: Logger;
  /** Unix seconds reported as `created` for every model group. */
  startedAt: number;
}

/** Response metadata naming the serving deployment and the attempts made. */
function routeMetadata(deploymentId: string, attempts: number): grpc.Metadata {
  const md = new grpc.Metadata();
  if (deploymentId) md.set("x-switchyard-deployment", deploymentId);
  md.set("x-switchyard-attempts", String(attempts));
  return md;
}

function cancelSignal(
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
): AbortSignal {
  const controller = new AbortController();
  call.once("cancelled", () => controller.abort());
  return controller.signal;
}

function failureStatus(err: unknown, log: Logger, requestId: string): Partial<grpc.StatusObject> {
  const failed = err instanceof RoutingFailed ? err : new RoutingFailed(GatewayError.from(err), 0);
  if (failed.error.errorClass === llm.ErrorClass.INTERNAL)
    log.error({ requestId, err: failed.error.cause }, "routing failed");
  return failed.error.toStatus(routeMetadata(failed.deploymentId, failed.attempts));
}

/** Opens one streamed attempt and resolves once its first chunk (or its clean end) arrives. */
function openStream(
  deps: RouterDeps,
  request: router.StreamChatRequest,
  attempt: Attempt,
  signal: AbortSignal,
): Promise<{ stream: grpc.ClientReadableStream<Encoded>; first?: Encoded; release: () => void }> {
  return new Promise((resolve, reject) => {
    const conn = deps.pool.acquire();
    let released = false;
    const release = () => {
      if (!released) deps.pool.release(conn);
      released = true;
    };
    const stream = callStreamRaw(
      conn.client,
      worker.ProviderWorkerService.method.streamChat,
      create(worker.StreamChatRequestSchema, {
        deploymentId: attempt.deployment.id,
        request: request.request,
        requestId: request.requestId,
        attempt: attempt.number,
      }),
      { signal },
    );
    // Time to first chunk is bounded by the attempt timeout; after the first chunk the stream is committed.
    const timer = setTimeout(() => {
      stream.cancel();
      reject(
        new GatewayError({
          class: llm.ErrorClass.TIMEOUT,
          message: "upstream attempt timed out before the first chunk",
        }),
      );
    }, attempt.timeoutMs);
    const settle = () => {
      clearTimeout(timer);
      stream.off("data", onFirst);
      stream.off("error", onError);
      stream.off("end", onEnd);
    };
    const onFirst = (first: Encoded) => {
      settle();
      stream.pause();
      resolve({ stream, first, release });
    };
    const onError = (err: grpc.ServiceError) => {
      settle();
      release();
      reject(GatewayError.from(err));
    };
    const onEnd = () => {
      settle();
      resolve({ stream, release });
    };
    stream.on("data", onFirst);
    stream.on("error", onError);
    stream.on("end", onEnd);
    stream.on("status", release);
  });
}

/** Forwards a committed stream to the caller with backpressure; a failure ends it with an error status. */
function pipe(
  call: grpc.ServerWritableStream<router.StreamChatRequest, router.StreamChatResponse | Encoded>,
  opened: { stream: grpc.ClientReadableStream<Encoded>; first?: Encoded },
  metadata: grpc.Metadata,
): Promise<void> {
  const { stream, first } = opened;
  return new Promise((resolve) => {
    const write = (chunk: Encoded) => {
      if (!call.write(chunk)) {
        stream.pause();
        call.once("drain", () => stream.resume());
      }
    };
    if (first) write(first);
    // grpc-js may emit "end" after "error"; only the first outcome counts.
    let settled = false;
    stream.on("data", write);
    stream.on("error", (err: grpc.ServiceError) => {
      if (settled) return;
      settled = true;
      if (!call.cancelled) call.emit("error", GatewayError.from(err).toStatus(metadata));
      resolve();
    });
    stream.on("end", () => {
      if (settled) return;
      settled = true;
      call.end();
      resolve();
    });
    stream.resume();
  });
}

/** Registers RouterService on a gRPC server. */
export function registerRouter(server: grpc.Server, deps: RouterDeps): void {
  addService(server, router.RouterService, {
    async chat(call, callback) {
      const req = call.request;
      const signal = cancelSignal(call);
      try {
        const routed = await route(
          req.request?.model ?? "",
          deps,
          async (attempt) => {
            const conn = deps.pool.acquire();
            try {
              const res = await callUnaryRaw(
                conn.client,
                worker.ProviderWorkerService.method.chat,
                create(worker.ChatRequestSchema, {
                  deploymentId: attempt.deployment.id,
                  request: req.request,
                  requestId: req.requestId,
                  attempt: attempt.number,
                }),
                { deadline: Date.now() + attempt.timeoutMs, signal },
              );
              return res.value;
            } finally {
              deps.pool.release(conn);
            }
          },
          signal,
        );
        call.sendMetadata(routeMetadata(routed.deployment.id, routed.attempts));
        // worker.ChatResponse and router.ChatResponse share one wire layout: forward the bytes as they are.
        callback(null, routed.value);
      } catch (err) {
        callback(failureStatus(err, deps.log, req.requestId));
      }
    },
    async streamChat(call) {
      const req = call.request;
      const signal = cancelSignal(call);
      try {
        const routed = await route(
          req.request?.model ?? "",
          deps,
          (attempt) => openStream(deps, req, attempt, signal),
          signal,
        );
        const metadata = routeMetadata(routed.deployment.id, routed.attempts);
        call.sendMetadata(metadata);
        try {
          await pipe(call, routed.value, metadata);
        } finally {
          routed.value.release();
        }
      } catch (err) {
        call.emit("error", failureStatus(err, deps.log, req.requestId));
      }
    },
    listModels(_call, callback) {
      const models = deps.groups.names().map((id) =>
        create(llm.ModelSchema, {
          id,
          created: deps.startedAt,
          ownedBy: deps.groups.get(id)?.deployments[0]?.provider ?? "switchyard",
        }),
      );
      callback(null, create(router.ListModelsResponseSchema, { models }));
    },
  });
}
