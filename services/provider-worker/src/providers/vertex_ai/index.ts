// The Vertex AI adapter: Gemini models through the Gemini translation (../gemini), Claude models through the
// Anthropic one (../anthropic), both with a bearer token google-auth-library mints from `vertex_credentials` or
// Application Default Credentials.

import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { fromMessagesResponse } from "../anthropic/chat-response.js";
import { ChunkTranslator } from "../anthropic/chat-stream.js";
import { anthropicStreamError } from "../anthropic/errors.js";
import { malformedUpstream } from "../errors.js";
import { generateContent, streamGenerateContent } from "../gemini/call.js";
import { toGenerateContentRequest } from "../gemini/chat-request.js";
import { classifyGoogleError } from "../gemini/errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { configuredProject, locationOf, routeOf, type VertexRoute, vertexUrl } from "./api.js";
import { VertexAuth, type VertexAuthOptions } from "./auth.js";
import { classifyVertexClaudeError, toRawPredictRequest } from "./claude.js";

/** An authorised call: the POST, and the attempt context whose credentials include the minted token. */
interface Call {
  readonly post: UpstreamPost;
  readonly ctx: AttemptContext;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Builds the body first (a bad request needs no token), then gets the token, the project and the URL. */
async function prepare(
  auth: VertexAuth,
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  stream: boolean,
): Promise<Call & { route: VertexRoute }> {
  const dep = ctx.deployment;
  const route = routeOf(dep);
  const body = route === "claude" ? toRawPredictRequest(request, dep, stream) : toGenerateContentRequest(request, dep);
  const credentials = ctx.credentials?.vertex_credentials;
  const token = await auth.token(credentials, dep, ctx.signal);
  const project = configuredProject(dep) ?? (await auth.projectId(credentials, dep, ctx.signal));
  if (!project) {
    const message = `${dep.provider}: deployment "${dep.id}" needs vertex_project (its credentials name no project)`;
    throw new GatewayError({ class: llm.ErrorClass.INTERNAL, message, provider: dep.provider, deploymentId: dep.id });
  }
  const url = vertexUrl(dep, { project, location: locationOf(dep) }, route, stream);
  const classify = route === "claude" ? classifyVertexClaudeError : classifyGoogleError;
  const post: UpstreamPost = { url, headers: { authorization: `Bearer ${token}` }, body, classify };
  // The token joins the attempt's credentials so that http.ts removes it from any upstream error text.
  const authed: AttemptContext = { ...ctx, credentials: { ...ctx.credentials, vertex_access_token: token } };
  return { post, ctx: authed, route };
}

async function* streamClaude({ post, ctx }: Call): AsyncGenerator<llm.ChatCompletionChunk> {
  const upstream = await postStream(ctx, post);
  const translator = new ChunkTranslator(nowSeconds(), ctx.deployment);
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => anthropicStreamError(data, ctx.deployment),
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  for await (const event of events) {
    yield* translator.translate(event);
    if (translator.finished) return;
  }
  throw malformedUpstream(ctx.deployment, "stream ended before message_stop");
}

/**
 * A Vertex AI adapter with its own token cache. The registry's `vertexAiAdapter` is one; tests make their own so
 * that each starts with no cached token.
 */
export function createVertexAiAdapter(options: VertexAuthOptions = {}): ProviderAdapter {
  const auth = new VertexAuth(options);
  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "Google Vertex AI",
      docs: "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference",
      capabilities: ["chat", "stream", "tools", "vision", "json"],
    }),
    async chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
      const call = await prepare(auth, request, ctx, false);
      if (call.route === "gemini") return generateContent(call.ctx, call.post);
      return fromMessagesResponse(await postJson(call.ctx, call.post), nowSeconds(), ctx.deployment);
    },
    async *streamChat(request: llm.ChatCompletionRequest, ctx: AttemptContext) {
      const call = await prepare(auth, request, ctx, true);
      yield* call.route === "gemini" ? streamGenerateContent(call.ctx, call.post) : streamClaude(call);
    },
  });
}

/** Calls Vertex AI's Gemini (`:generateContent`) and Claude (`:rawPredict`) models with an OAuth bearer token. */
export const vertexAiAdapter: ProviderAdapter = createVertexAiAdapter();
