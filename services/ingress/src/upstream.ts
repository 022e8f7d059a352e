import { create } from "@bufbuild/protobuf";
import { type llm, router } from "@switchyard/proto";
import { connect, type Encoded } from "@switchyard/runtime";
import type { Principal } from "./auth.js";

/** The router as the ingress uses it. */
export interface RouterClient {
  chat(request: llm.ChatCompletionRequest, ctx: CallContext): Promise<connect.UnaryResult<Encoded>>;
  streamChat(request: llm.ChatCompletionRequest, ctx: CallContext): connect.ServerStream<Encoded>;
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
}

/**
 * Wraps the router's Connect client. Responses stay encoded: router.ChatResponse, router.StreamChatResponse
 * and the gateway's responses share one wire layout, so the gRPC API forwards them untouched and only
 * the REST API decodes them once to render JSON.
 */
export function createRouterClient(client: connect.ConnectClient): RouterClient {
  const caller = (ctx: CallContext) =>
    create(router.CallerSchema, {
      keyId: ctx.principal.keyId,
      teamId: ctx.principal.teamId,
      userId: ctx.principal.userId,
      tags: [...ctx.tags],
    });
  return {
    chat(request, ctx) {
      return connect.callUnaryRaw(
        client,
        router.RouterService.method.chat,
        create(router.ChatRequestSchema, { request, requestId: ctx.requestId, caller: caller(ctx) }),
        { signal: ctx.signal },
      );
    },
    streamChat(request, ctx) {
      return connect.callStreamRaw(
        client,
        router.RouterService.method.streamChat,
        create(router.StreamChatRequestSchema, { request, requestId: ctx.requestId, caller: caller(ctx) }),
        { signal: ctx.signal },
      );
    },
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
