import type { IncomingMessage, ServerResponse } from "node:http";
import {
  parseChatRequest,
  parseCompletionRequest,
  parseCountTokensRequest,
  parseEmbeddingRequest,
  parseImageGenerationRequest,
  parseMessagesRequest,
  parseRerankRequest,
  parseSpeechRequest,
  renderModelList,
} from "@switchyard/openai";
import { llm, type router } from "@switchyard/proto";
import { type connect, GatewayError, type Logger } from "@switchyard/runtime";
import { noteCaller } from "./access.js";
import { matchAdmin, serveAdmin } from "./admin.js";
import { matchAudit, serveAudit } from "./audit.js";
import { type Authenticator, authorizeFallbacks, bearer } from "./auth.js";
import { completeChat, streamChat } from "./chat-rest.js";
import { serveCompletion, streamCompletion } from "./completions-rest.js";
import { serveEmbeddings } from "./embeddings-rest.js";
import { BREAKER_NAMES, renderHealth, renderHealthCheck } from "./health.js";
import { parseJson, readBody, sendError, sendJson } from "./http-io.js";
import { imageVariations, serveImages, serveSpeech, transcriptions } from "./media-rest.js";
import { anthropicCredential, countMessageTokens, sendAnthropicError, serveMessages } from "./messages-rest.js";
import { requestIdFrom } from "./request-id.js";
import { serveRerank } from "./rerank-rest.js";
import { serveSpend } from "./spend.js";
import { parseTags, TAGS_HEADER } from "./tags.js";
import type { CallContext, RouterClient } from "./upstream.js";

/** Dependencies of the REST API. */
export interface RestDeps {
  auth: Authenticator;
  router: RouterClient;
  /** The metering service's Connect client, for the admin spend APIs; absent when metering is off. */
  metering?: connect.ConnectClient;
  /** The policy service's Connect client, for the admin key, team, user and customer APIs (admin.ts). */
  policy: connect.ConnectClient;
  log: Logger;
  maxBodyBytes: number;
  /** True once the service drains: new requests get 503. */
  draining: () => boolean;
}

/** The route a path names; `/v1` is optional, as OpenAI SDK users expect with custom base URLs. */
function routeOf(method: string | undefined, url: string | undefined): string {
  const path = (url ?? "/").split("?", 1)[0]!;
  const bare = path.startsWith("/v1/") ? path.slice(3) : path;
  return `${method} ${bare}`;
}

/** Creates the OpenAI-compatible REST handler. */
export function createRestHandler(deps: RestDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    const headers = { "x-request-id": requestId };
    handle(deps, req, res, requestId, headers).catch((err: unknown) => {
      const error = GatewayError.from(err);
      if (error.errorClass === llm.ErrorClass.INTERNAL) deps.log.error({ requestId, err }, "request failed");
      sendError(res, error, headers);
    });
  };
}

async function handle(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  headers: Record<string, string>,
): Promise<void> {
  if (deps.draining()) {
    res.setHeader("connection", "close");
    throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "gateway is shutting down; retry" });
  }
  const route = routeOf(req.method, req.url);
  switch (route) {
    case "POST /chat/completions":
      return chat(deps, req, res, requestId, headers);
    case "POST /embeddings":
      return embeddings(deps, req, res, requestId, headers);
    case "POST /messages":
    case "POST /messages/count_tokens":
      return messages(deps, req, res, requestId, headers, route === "POST /messages/count_tokens");
    case "POST /completions": {
      const [request, ctx] = await modelCall(deps, req, res, requestId, parseCompletionRequest);
      if (request.stream) return streamCompletion(req, res, deps.router, request, ctx, headers);
      return serveCompletion(res, deps.router, request, ctx, headers);
    }
    case "POST /audio/transcriptions":
      return transcriptions(deps, req, res, requestId, headers);
    case "POST /images/variations":
      return imageVariations(deps, req, res, requestId, headers);
    case "POST /audio/speech": {
      const [request, ctx] = await modelCall(deps, req, res, requestId, parseSpeechRequest);
      return serveSpeech(res, deps.router, request, ctx, headers);
    }
    case "POST /images/generations": {
      const [request, ctx] = await modelCall(deps, req, res, requestId, parseImageGenerationRequest);
      return serveImages(res, () => deps.router.generateImages(request, ctx), headers);
    }
    case "POST /v2/rerank":
    case "POST /rerank": {
      const [request, ctx] = await modelCall(deps, req, res, requestId, parseRerankRequest);
      return serveRerank(res, deps.router, request, ctx, headers);
    }
    case "GET /spend/logs":
    case "GET /global/spend/report": {
      await requireAdmin(deps, req);
      return serveSpend(route === "GET /spend/logs" ? "logs" : "report", deps.metering, req, res, headers);
    }
    case "GET /health": {
      await requireAdmin(deps, req);
      return sendJson(res, 200, JSON.stringify(renderHealth(await deps.router.listDeployments())), headers);
    }
    case "GET /health/deployments": {
      await requireAdmin(deps, req);
      return sendJson(res, 200, JSON.stringify(renderDeployments(await deps.router.listDeployments())), headers);
    }
    case "GET /models": {
      await deps.auth.authenticate(bearer(req.headers.authorization), "");
      return sendJson(res, 200, renderModelList(await deps.router.listModels()), headers);
    }
    default: {
      // LiteLLM's admin paths are matched exactly, on the raw path (no /v1 prefix), after it is checked canonical.
      const admin = matchAdmin(req.method, req.url);
      if (admin) return serveAdmin(deps, admin, req, res, headers);
      const audit = matchAudit(req.method, req.url);
      if (audit) {
        await requireAdmin(deps, req);
        return serveAudit(audit, deps.metering, req, res, headers);
      }
      throw new GatewayError({
        class: llm.ErrorClass.NOT_FOUND,
        message: `unknown route: ${req.method} ${(req.url ?? "").split("?", 1)[0]!.slice(0, 200)}`,
        code: "not_found",
      });
    }
  }
}

/**
 * `GET /health/deployments`: breakers, cooldowns and load of every deployment, as the answering router sees them, and
 * its latest background health check when there is one.
 */
function renderDeployments(deployments: readonly router.DeploymentState[]): object {
  return {
    deployments: deployments.map((d) => ({
      id: d.id,
      model_group: d.modelGroup,
      provider: d.provider,
      breaker: BREAKER_NAMES[d.breaker] ?? "closed",
      cooldown_until: d.cooldownUntilMs > 0n ? new Date(Number(d.cooldownUntilMs)).toISOString() : null,
      in_flight: d.inFlight,
      latency_ms: Math.round(d.latencyMs * 1000) / 1000,
      requests_last_minute: d.requestsLastMinute,
      retries_last_minute: d.retriesLastMinute,
      ...(d.healthCheck && { health_check: renderHealthCheck(d.healthCheck) }),
    })),
  };
}

/** Authenticates an admin call: the master key or an admin identity, else 401/403. */
async function requireAdmin(deps: RestDeps, req: IncomingMessage): Promise<void> {
  const principal = await deps.auth.authenticate(bearer(req.headers.authorization), "");
  if (!principal.isAdmin) {
    req.resume();
    throw new GatewayError({
      class: llm.ErrorClass.PERMISSION_DENIED,
      message: "this route is for admins: call it with the master key",
    });
  }
}

/**
 * Reads and authenticates a model call's JSON body: the key is checked before the body is judged, as OpenAI does (a
 * wrong key is a 401 whatever the body says), then `parse` validates it and the client-side fallbacks are authorized.
 */
async function modelCall<T extends { fallbacks: string[] }>(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  parse: (json: unknown) => T,
  credentialOf: (req: IncomingMessage) => string | undefined = (r) => bearer(r.headers.authorization),
): Promise<[T, CallContext]> {
  const credential = credentialOf(req);
  if (!credential) {
    req.resume();
    await deps.auth.authenticate(undefined, "");
  }
  const body = await readBody(req, deps.maxBodyBytes);
  let json: unknown;
  let malformed: unknown;
  try {
    json = parseJson(body);
  } catch (err) {
    malformed = err;
  }
  const model = (json as { model?: unknown } | null)?.model;
  const principal = await deps.auth.authenticate(credential, typeof model === "string" ? model : "");
  noteCaller(res, principal, typeof model === "string" ? model : "");
  if (malformed) throw malformed;
  const request = parse(json);
  await authorizeFallbacks(deps.auth, credential, request.fallbacks);
  const controller = new AbortController();
  // A client that goes away cancels the router call, which cancels the worker and the upstream request.
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return [request, { requestId, principal, tags: parseTags(req.headers[TAGS_HEADER]), signal: controller.signal }];
}

async function chat(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  headers: Record<string, string>,
): Promise<void> {
  const [request, ctx] = await modelCall(deps, req, res, requestId, parseChatRequest);
  if (request.stream) await streamChat(req, res, deps.router, request, ctx, headers);
  else await completeChat(res, deps.router, request, ctx, headers);
}

async function embeddings(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  headers: Record<string, string>,
): Promise<void> {
  const [request, ctx] = await modelCall(deps, req, res, requestId, parseEmbeddingRequest);
  await serveEmbeddings(res, deps.router, request, ctx, headers);
}

/**
 * Anthropic's Messages format (messages-rest.ts): `x-api-key` is accepted besides `Authorization: Bearer`, and every
 * failure, auth and body errors included, answers in Anthropic's error JSON.
 */
async function messages(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  base: Record<string, string>,
  count: boolean,
): Promise<void> {
  // Anthropic SDKs read the request id from `request-id`.
  const headers = { ...base, "request-id": requestId };
  try {
    const parse = count ? parseCountTokensRequest : parseMessagesRequest;
    const [request, ctx] = await modelCall(deps, req, res, requestId, parse, anthropicCredential);
    if (count) await countMessageTokens(res, request, headers);
    else await serveMessages(req, res, deps.router, request, ctx, headers);
  } catch (err) {
    const error = GatewayError.from(err);
    if (error.errorClass === llm.ErrorClass.INTERNAL) deps.log.error({ requestId, err }, "request failed");
    sendAnthropicError(res, error, headers);
  }
}
