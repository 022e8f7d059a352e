import { create, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { type RouterSettings, timeoutsFor } from "@switchyard/config";
import { type llm, router } from "@switchyard/proto";
import { connect, type Encoded } from "@switchyard/runtime";
import type { Principal } from "./auth.js";

/** The router as the ingress uses it. */
export interface RouterClient {
  chat(request: llm.ChatCompletionRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  streamChat(request: llm.ChatCompletionRequest, ctx: CallContext): connect.ServerStream<Encoded>;
  embed(request: llm.EmbeddingRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  complete(request: llm.CompletionRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  streamComplete(request: llm.CompletionRequest, ctx: CallContext): connect.ServerStream<Encoded>;
  rerank(request: llm.RerankRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  transcribe(request: llm.TranscriptionRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  speak(request: llm.SpeechRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  generateImages(request: llm.ImageGenerationRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  varyImage(request: llm.ImageVariationRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  listModels(): Promise<llm.Model[]>;
  /** What the router replica answering knows of each deployment (breakers, cooldowns, load). */
  listDeployments(): Promise<router.DeploymentState[]>;
}

/** Per-request identity and cancellation. */
export interface CallContext {
  requestId: string;
  principal: Principal;
  /** Request tags (x-switchyard-tags), for spend attribution. */
  tags: readonly string[];
  signal: AbortSignal;
  /** The caller's own deadline (ms since epoch), when it set one (a gRPC deadline). */
  deadline?: number;
}

/**
 * The deadline of a request for `model`: its group's total_timeout, or the caller's deadline when that is sooner.
 * It travels to the router as the Connect deadline, and on from there to the provider worker.
 */
export function requestDeadline(settings: RouterSettings, model: string, ctx: CallContext): number | undefined {
  const totalMs = timeoutsFor(settings, model).totalMs;
  const own = totalMs === undefined ? undefined : Date.now() + totalMs;
  if (ctx.deadline === undefined) return own;
  return own === undefined ? ctx.deadline : Math.min(own, ctx.deadline);
}

/**
 * Wraps the router's Connect client. Responses stay encoded: router.ChatResponse, router.StreamChatResponse
 * and the gateway's responses share one wire layout, so the gRPC API forwards them untouched and only
 * the REST API decodes them once to render JSON.
 */
export function createRouterClient(client: connect.ConnectClient, settings: RouterSettings): RouterClient {
  const caller = (ctx: CallContext) =>
    create(router.CallerSchema, {
      keyId: ctx.principal.keyId,
      keyAlias: ctx.principal.keyAlias ?? "",
      teamId: ctx.principal.teamId,
      userId: ctx.principal.userId,
      tags: [...ctx.tags],
    });
  const options = (request: { model: string }, ctx: CallContext) => {
    const deadline = requestDeadline(settings, request.model, ctx);
    return deadline === undefined ? { signal: ctx.signal } : { signal: ctx.signal, deadline };
  };
  /** One router call: the request wrapped with its id and caller, sent with the request's deadline. */
  const routed =
    <M extends DescMethodUnary>(method: M) =>
    (request: { model: string }, ctx: CallContext): Promise<connect.UnaryResult<Encoded>> =>
      connect.callUnaryRaw(
        client,
        method,
        // Every RouterService request is { request, request_id, caller }; the RouterClient type pairs each
        // method with its request message.
        create<M["input"]>(method.input, {
          request,
          requestId: ctx.requestId,
          caller: caller(ctx),
        } as unknown as MessageInitShape<M["input"]>),
        options(request, ctx),
      );
  const method = router.RouterService.method;
  return {
    chat: routed(method.chat),
    streamChat(request, ctx) {
      return connect.callStreamRaw(
        client,
        method.streamChat,
        create(router.StreamChatRequestSchema, { request, requestId: ctx.requestId, caller: caller(ctx) }),
        options(request, ctx),
      );
    },
    embed: routed(method.embed),
    complete: routed(method.complete),
    streamComplete(request, ctx) {
      return connect.callStreamRaw(
        client,
        method.streamComplete,
        create(router.StreamCompleteRequestSchema, { request, requestId: ctx.requestId, caller: caller(ctx) }),
        options(request, ctx),
      );
    },
    rerank: routed(method.rerank),
    transcribe: routed(method.transcribe),
    speak: routed(method.speak),
    generateImages: routed(method.generateImages),
    varyImage: routed(method.varyImage),
    async listModels() {
      const res = await connect.callUnary(
        client,
        router.RouterService.method.listModels,
        create(router.ListModelsRequestSchema),
        {
          deadline: Date.now() + 5_000,
        },
      );
      return res.value.models;
    },
    async listDeployments() {
      const res = await connect.callUnary(
        client,
        router.RouterService.method.listDeployments,
        create(router.ListDeploymentsRequestSchema),
        { deadline: Date.now() + 5_000 },
      );
      return res.value.deployments;
    },
  };
}
