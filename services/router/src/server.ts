import { create, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { estimatePromptTokens } from "@switchyard/openai";
import { llm, mayHoldCharge, readCharge, router, withFailedAttempts, worker } from "@switchyard/proto";
import { connect, type Encoded, GatewayError, type Logger } from "@switchyard/runtime";
import { type HealthChecks, healthCheckFields } from "./health-checks.js";
import type { Pools } from "./pools.js";
import { type Attempt, type FailedAttempts, type RouteDeps, type RouteOptions, RoutingFailed, route } from "./route.js";
import type { WorkerConn, WorkerPool } from "./workers.js";

/** Prompt plus completion tokens an attempt's answer charged (0 when none), for usage-based routing's `tpm`. */
function chargedTokens(bytes: Uint8Array): number {
  const charge = readCharge(bytes);
  return charge === undefined ? 0 : charge.promptTokens + charge.completionTokens;
}

/** An answer's bytes with what the failed attempts before it were charged (see withFailedAttempts). */
function withFailed(bytes: Encoded, failed: FailedAttempts): Encoded {
  const out = withFailedAttempts(bytes, failed);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Dependencies of the router's Connect service. */
export interface RouterDeps extends RouteDeps {
  /** Every deployment, for ListDeployments. */
  deployments: readonly Deployment[];
  /** The provider-worker pools; each runs calls on its workers, passing over workers that cannot take them. */
  pools: Pools;
  log: Logger;
  /** Unix seconds reported as `created` for every model group. */
  startedAt: number;
  /** Background health checks, for ListDeployments; absent unless general_settings.background_health_checks. */
  healthChecks?: HealthChecks;
}

/** Every request the router routes. */
type RoutedRequest =
  | router.ChatRequest
  | router.StreamChatRequest
  | router.EmbedRequest
  | router.CompleteRequest
  | router.StreamCompleteRequest
  | router.RerankRequest
  | router.TranscribeRequest
  | router.SpeakRequest
  | router.GenerateImagesRequest
  | router.VaryImageRequest;

/** The attempt's routing context and caller, as the worker stamps them on its usage event. */
function attemptContext(req: RoutedRequest, attempt: Attempt) {
  const caller = req.caller;
  return {
    deploymentId: attempt.deployment.id,
    requestId: req.requestId,
    attempt: attempt.number,
    caller: caller && {
      keyId: caller.keyId,
      keyAlias: caller.keyAlias,
      teamId: caller.teamId,
      userId: caller.userId,
      tags: caller.tags,
    },
    requestedModel: req.request?.model ?? "",
    modelGroup: attempt.modelGroup,
    fallbackDepth: attempt.fallbackDepth,
    connectTimeoutMs: attempt.connectMs,
  };
}

/**
 * The router's own first-chunk and idle timers are backstops this much later than the limits the worker enforces (it
 * ends a stalled stream itself, with its usage and cost); they fire only when the worker itself stops answering.
 */
const BACKSTOP_MS = 2_000;

/**
 * How long past a unary attempt's deadline the router waits for the worker's own timeout answer, which carries what
 * the attempt was charged (an upstream that timed out may have worked), before it gives up on the worker: the
 * worker's own grace for its handler plus time for the answer to travel.
 */
const ATTEMPT_ANSWER_GRACE_MS = connect.DEADLINE_ANSWER_GRACE_MS + 150;

/** The per-request routing inputs: cancellation, tags, and the prompt count for context-window checks. */
function routeOptions(req: RoutedRequest, ctx: connect.HandlerContext): RouteOptions {
  const request = req.request;
  const options: RouteOptions = {
    signal: ctx.signal,
    ...(ctx.deadline === undefined ? {} : { deadline: ctx.deadline }),
    tags: req.caller?.tags ?? [],
    ...(request ? { fallbacks: request.fallbacks } : {}),
  };
  // A chat prompt's size picks deployments whose context window fits it (and counts for usage-based routing).
  if (request?.$typeName === "switchyard.llm.v1.ChatCompletionRequest") {
    options.promptTokens = () => estimatePromptTokens(request);
  }
  return options;
}

/** Sets the response headers naming the serving deployment and the attempts made. */
function setRouteHeaders(ctx: connect.HandlerContext, deploymentId: string, attempts: number): void {
  if (deploymentId) ctx.responseHeaders["x-switchyard-deployment"] = deploymentId;
  ctx.responseHeaders["x-switchyard-attempts"] = String(attempts);
}

/**
 * Routes a unary call of any operation with chat's retries, fallbacks, deadline and tags; `send` runs one attempt on
 * a worker. The worker's answer and the router's share one wire layout, so its bytes are returned as they are.
 */
async function routeUnary<M extends DescMethodUnary>(
  deps: RouterDeps,
  req: Exclude<RoutedRequest, StreamedRequest>,
  ctx: connect.HandlerContext,
  method: M,
): Promise<Encoded> {
  try {
    const send = async (client: WorkerConn["client"], attempt: Attempt) => {
      // Every worker request is the attempt's context plus the caller's request.
      const input = { ...attemptContext(req, attempt), request: req.request } as unknown as MessageInitShape<
        M["input"]
      >;
      const res = await connect.callUnaryRaw(client, method, create<M["input"]>(method.input, input), {
        deadline: Date.now() + attempt.timeoutMs,
        // The worker ends a timed-out attempt itself, with its charge; wait a little for that answer.
        deadlineGraceMs: ATTEMPT_ANSWER_GRACE_MS,
        signal: ctx.signal,
      });
      return res.value;
    };
    const routed = await route(
      req.request?.model ?? "",
      deps,
      (attempt) => deps.pools.of(attempt.deployment).failover.run((conn) => send(conn.client, attempt), ctx.signal),
      routeOptions(req, ctx),
    );
    setRouteHeaders(ctx, routed.deployment.id, routed.attempts);
    deps.stats?.tokens(routed.deployment.id, chargedTokens(routed.value));
    // Each worker response and its router response share one wire layout: the bytes are forwarded as they are, with
    // what failed attempts before were charged appended to the charge.
    return routed.failed.charged ? withFailed(routed.value, routed.failed) : routed.value;
  } catch (err) {
    throw failure(err, deps, req.requestId, ctx);
  }
}

/** The worker's methods, by name. */
const toWorker = worker.ProviderWorkerService.method;

/**
 * The error the caller sees, with the request's route headers and the charge of all its attempts (see
 * FailedAttempts.stamp). `committed` is the routing of a stream that had started when it failed.
 */
function failure(
  err: unknown,
  deps: RouterDeps,
  requestId: string,
  ctx: connect.HandlerContext,
  committed?: FailedAttempts,
): GatewayError {
  const failed = err instanceof RoutingFailed ? err : new RoutingFailed(GatewayError.from(err), 0);
  if (committed) committed.stamp(failed.error, failed.error);
  else failed.failed.stamp(failed.error);
  if (failed.error.errorClass === llm.ErrorClass.INTERNAL)
    deps.log.error({ requestId, err: failed.error.cause }, "routing failed");
  if (!ctx.responseHeaders["x-switchyard-attempts"]) setRouteHeaders(ctx, failed.deploymentId, failed.attempts);
  return failed.error;
}

/** One streamed attempt that has produced its first chunk (or ended cleanly without one). */
interface Opened {
  stream: connect.ServerStream<Encoded>;
  rest: AsyncIterator<Encoded>;
  first?: Encoded;
  release: () => void;
  /** Longest silence between two chunks once the stream has started, backstop included. */
  idleMs: number;
}

/**
 * Opens one streamed attempt and resolves once its first chunk (or its clean end) arrives. A worker that cannot take
 * the stream is passed over for the next one (failover.ts); the worker that does stays counted until the stream ends.
 */
function openStream(
  deps: RouterDeps,
  request: StreamedRequest,
  attempt: Attempt,
  ctx: connect.HandlerContext,
): Promise<Opened> {
  const { failover, workers } = deps.pools.of(attempt.deployment);
  return failover.run((conn, keep) => openStreamOn(workers, conn, keep, request, attempt, ctx), ctx.signal);
}

/** The streamed requests; each has its worker method, whose request is the attempt's context plus the caller's. */
type StreamedRequest = router.StreamChatRequest | router.StreamCompleteRequest;

async function openStreamOn(
  workers: WorkerPool,
  conn: WorkerConn,
  keep: () => void,
  request: StreamedRequest,
  attempt: Attempt,
  ctx: connect.HandlerContext,
): Promise<Opened> {
  let released = false;
  const release = () => {
    if (!released) workers.release(conn);
    released = true;
  };
  const limits = {
    ...attemptContext(request, attempt),
    firstTokenTimeoutMs: attempt.firstTokenMs,
    idleTimeoutMs: attempt.idleMs,
  };
  // The request's deadline travels on as the Connect deadline: the worker ends the stream just before it.
  const options = { signal: ctx.signal, ...(ctx.deadline === undefined ? {} : { deadline: ctx.deadline }) };
  const stream =
    request.$typeName === "switchyard.router.v1.StreamChatRequest"
      ? connect.callStreamRaw(
          conn.client,
          toWorker.streamChat,
          create(worker.StreamChatRequestSchema, { ...limits, request: request.request }),
          options,
        )
      : connect.callStreamRaw(
          conn.client,
          toWorker.streamComplete,
          create(worker.StreamCompleteRequestSchema, { ...limits, request: request.request }),
          options,
        );
  const rest = stream[Symbol.asyncIterator]();
  // Time to first chunk is bounded by first_token_timeout; after the first chunk the stream is committed.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stream.cancel();
      const message = "the provider worker sent no first chunk in time (first_token_timeout)";
      reject(new GatewayError({ class: llm.ErrorClass.TIMEOUT, message }));
    }, attempt.firstTokenMs + BACKSTOP_MS);
  });
  try {
    const first = await Promise.race([rest.next(), timeout]);
    keep();
    const idleMs = attempt.idleMs + BACKSTOP_MS;
    return { stream, rest, first: first.done ? undefined : first.value, release, idleMs };
  } catch (err) {
    // The failover releases the worker of a stream that did not start.
    released = true;
    throw GatewayError.from(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Forwards a committed stream to the caller; the sink's backpressure paces the worker stream. A stream whose worker
 * stays silent longer than its idle timeout is cut with a TIMEOUT, which the ingress turns into an error event (never
 * `[DONE]`). One timer serves the whole stream: it is refreshed at every wait for the worker, and only a wait for the
 * worker can run it out (time spent writing to a slow caller does not count).
 */
async function pipe(
  sink: connect.StreamSink<router.StreamChatResponse> | connect.StreamSink<router.StreamCompleteResponse>,
  opened: Opened,
  onTokens: (tokens: number) => void,
  failed: FailedAttempts,
): Promise<void> {
  let waiting = false;
  let silent = false;
  const timer = setTimeout(function expire() {
    if (!waiting) return void timer.refresh();
    silent = true;
    opened.stream.cancel();
  }, opened.idleMs);
  const next = async () => {
    waiting = true;
    timer.refresh();
    try {
      return await opened.rest.next();
    } catch (err) {
      if (!silent) throw err;
      const message = "the provider worker sent nothing in time in the middle of the stream (stream_timeout)";
      throw new GatewayError({ class: llm.ErrorClass.TIMEOUT, message });
    } finally {
      waiting = false;
    }
  };
  try {
    // The charge comes in its own message after the last chunk (and before an error, for a stream cut short); it
    // gains what the failed attempts before were charged.
    const forward = (bytes: Encoded) => {
      if (!mayHoldCharge(bytes)) return sink.write(bytes);
      onTokens(chargedTokens(bytes));
      return sink.write(failed.charged ? withFailed(bytes, failed) : bytes);
    };
    if (opened.first) await forward(opened.first);
    for (let chunk = await next(); !chunk.done; chunk = await next()) await forward(chunk.value);
  } finally {
    clearTimeout(timer);
    opened.stream.cancel();
    opened.release();
  }
}

/** Routes a streamed request: retries and fallbacks until the first chunk, then the stream is piped to the caller. */
async function routeStream(
  deps: RouterDeps,
  req: StreamedRequest,
  ctx: connect.HandlerContext,
  sink: connect.StreamSink<router.StreamChatResponse> | connect.StreamSink<router.StreamCompleteResponse>,
): Promise<void> {
  let committed: FailedAttempts | undefined;
  try {
    const open = (attempt: Attempt) => openStream(deps, req, attempt, ctx);
    const routed = await route(req.request?.model ?? "", deps, open, routeOptions(req, ctx));
    setRouteHeaders(ctx, routed.deployment.id, routed.attempts);
    committed = routed.failed;
    await pipe(sink, routed.value, (tokens) => deps.stats?.tokens(routed.deployment.id, tokens), routed.failed);
  } catch (err) {
    throw failure(err, deps, req.requestId, ctx, committed);
  }
}

/** The router's RouterService routes, served over Connect. */
export function routerRoutes(deps: RouterDeps, routes: connect.Routes = new Map()): connect.Routes {
  return connect.addConnectService(routes, router.RouterService, {
    chat: (req, ctx) => routeUnary(deps, req, ctx, toWorker.chat),
    streamChat: (req, ctx, sink) => routeStream(deps, req, ctx, sink),
    streamComplete: (req, ctx, sink) => routeStream(deps, req, ctx, sink),
    embed: (req, ctx) => routeUnary(deps, req, ctx, toWorker.embed),
    complete: (req, ctx) => routeUnary(deps, req, ctx, toWorker.complete),
    rerank: (req, ctx) => routeUnary(deps, req, ctx, toWorker.rerank),
    transcribe: (req, ctx) => routeUnary(deps, req, ctx, toWorker.transcribe),
    speak: (req, ctx) => routeUnary(deps, req, ctx, toWorker.speak),
    generateImages: (req, ctx) => routeUnary(deps, req, ctx, toWorker.generateImages),
    varyImage: (req, ctx) => routeUnary(deps, req, ctx, toWorker.varyImage),
    listDeployments() {
      const states = deps.breakers.states();
      const breaker = (id: string) => {
        const state = states[id];
        if (state === "open") return router.BreakerState.OPEN;
        if (state === "half-open") return router.BreakerState.HALF_OPEN;
        return router.BreakerState.CLOSED;
      };
      return create(router.ListDeploymentsResponseSchema, {
        deployments: deps.deployments.map((d) =>
          create(router.DeploymentStateSchema, {
            id: d.id,
            modelGroup: d.modelName,
            provider: d.provider,
            breaker: breaker(d.id),
            cooldownUntilMs: BigInt(deps.breakers.cooldownUntil(d.id)),
            inFlight: deps.stats?.inFlight(d.id) ?? 0,
            latencyMs: deps.stats?.latencyMs(d.id) ?? 0,
            requestsLastMinute: deps.stats?.requestsLastMinute(d.id) ?? 0,
            retriesLastMinute: deps.stats?.retriesLastMinute(d.id) ?? 0,
            ...healthCheckFields(deps.healthChecks, d.id),
          }),
        ),
      });
    },
    listModels() {
      const models = deps.groups.names().map((id) =>
        create(llm.ModelSchema, {
          id,
          created: deps.startedAt,
          ownedBy: deps.groups.get(id)?.deployments[0]?.provider ?? "switchyard",
        }),
      );
      return create(router.ListModelsResponseSchema, { models });
    },
  });
}
