import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { gateway } from "@switchyard/proto";
import { addService, type connect, drained, type Encoded, GatewayError, type Logger } from "@switchyard/runtime";
import { noteCaller } from "./access.js";
import { type Authenticator, authorizeFallbacks, bearer, type Principal } from "./auth.js";
import { RATE_LIMIT_HEADERS } from "./limits.js";
import { requestIdFrom } from "./request-id.js";
import { parseTags, TAGS_HEADER } from "./tags.js";
import type { CallContext, RouterClient } from "./upstream.js";
import {
  validateChatRequest,
  validateCompletionRequest,
  validateEmbeddingRequest,
  validateRerankRequest,
} from "./validate.js";
import {
  validateImageGenerationRequest,
  validateImageVariationRequest,
  validateSpeechRequest,
  validateTranscriptionRequest,
} from "./validate-media.js";

/** Dependencies of the public gRPC API. */
export interface GrpcApiDeps {
  auth: Authenticator;
  router: RouterClient;
  log: Logger;
}

type Call = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

function metadataValue(md: grpc.Metadata, name: string): string | undefined {
  const value = md.get(name)[0];
  return typeof value === "string" ? value : undefined;
}

/** Copies the router's route headers and adds the request id. */
function responseMetadata(from: Readonly<Record<string, string>> | undefined, requestId: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set("x-request-id", requestId);
  for (const name of ["x-switchyard-deployment", "x-switchyard-attempts", ...RATE_LIMIT_HEADERS]) {
    const value = from?.[name];
    if (value) md.set(name, value);
  }
  return md;
}

/** Authenticates a validated request's caller for its model, authorizes its fallbacks, and builds its context. */
async function admit(
  deps: GrpcApiDeps,
  call: Call,
  request: { model: string; fallbacks: readonly string[] },
): Promise<CallContext> {
  const credential = bearer(metadataValue(call.metadata, "authorization"));
  const principal = await deps.auth.authenticate(credential, request.model);
  noteCaller(call, principal, request.model);
  await authorizeFallbacks(deps.auth, credential, request.fallbacks, "request.fallbacks");
  return callContext(call, principal);
}

/** The call's request id, tags, cancellation and deadline. */
function callContext(call: Call, principal: Principal): CallContext {
  const controller = new AbortController();
  call.once("cancelled", () => controller.abort());
  const requestId = requestIdFrom(metadataValue(call.metadata, "x-request-id"));
  const tags = parseTags(metadataValue(call.metadata, TAGS_HEADER));
  // The caller's gRPC deadline bounds the whole request, on top of the model group's total_timeout.
  const deadline = Number(call.getDeadline());
  const ctx: CallContext = { requestId, principal, tags, signal: controller.signal };
  if (Number.isFinite(deadline)) ctx.deadline = deadline;
  return ctx;
}

/**
 * Runs a unary model call: authenticates the (already validated) request, authorizes its fallbacks, calls the
 * router, and answers with the router's bytes (its response and the gateway's share one wire layout).
 */
async function unaryModelCall<R extends { model: string; fallbacks: readonly string[] }>(
  deps: GrpcApiDeps,
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: (err: Partial<grpc.StatusObject> | null, value?: Encoded) => void,
  validate: () => R,
  invoke: (request: R, ctx: CallContext) => Promise<{ value: Encoded; headers: Record<string, string> }>,
): Promise<void> {
  let requestId = "";
  try {
    const request = validate();
    const ctx = await admit(deps, call, request);
    requestId = ctx.requestId;
    const result = await invoke(request, ctx);
    call.sendMetadata(responseMetadata(result.headers, requestId));
    callback(null, result.value);
  } catch (err) {
    callback(statusOf(err, requestId));
  }
}

/**
 * Runs a streamed model call like `unaryModelCall`, writing the router's messages as they come (each shares its wire
 * layout with the gateway's stream message); the response metadata goes out with the first message.
 */
async function streamModelCall<R extends { model: string; fallbacks: readonly string[] }>(
  deps: GrpcApiDeps,
  call: grpc.ServerWritableStream<unknown, unknown>,
  validate: () => R,
  open: (request: R, ctx: CallContext) => connect.ServerStream<Encoded>,
): Promise<void> {
  let requestId = "";
  try {
    const request = validate();
    const ctx = await admit(deps, call, request);
    requestId = ctx.requestId;
    const stream = open(request, ctx);
    let started = false;
    for await (const bytes of stream) {
      if (!started) call.sendMetadata(responseMetadata(stream.headers, requestId));
      started = true;
      if (!call.write(bytes)) await drained(call, "cancelled");
    }
    if (!started) call.sendMetadata(responseMetadata(stream.headers, requestId));
    call.end();
  } catch (err) {
    call.emit("error", statusOf(err, requestId));
  }
}

/** The call decides streaming, whatever the request's own `stream` field says. */
function streaming<R extends { stream: boolean }>(request: R, stream: boolean): R {
  request.stream = stream;
  return request;
}

function statusOf(err: unknown, requestId = ""): Partial<grpc.StatusObject> {
  const error = GatewayError.from(err);
  return error.toStatus(responseMetadata(error.meta, requestId));
}

/** Registers the public GatewayService: auth from `authorization` metadata, then the router. */
export function registerGatewayApi(server: grpc.Server, deps: GrpcApiDeps): void {
  addService(server, gateway.GatewayService, {
    // Each router response shares its wire layout with the gateway response, so the bytes pass through.
    createChatCompletion: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => streaming(validateChatRequest(call.request.request), false),
        (request, ctx) => deps.router.chat(request, ctx),
      ),
    streamChatCompletion: (call) =>
      streamModelCall(
        deps,
        call,
        () => streaming(validateChatRequest(call.request.request), true),
        (request, ctx) => deps.router.streamChat(request, ctx),
      ),
    streamCompletion: (call) =>
      streamModelCall(
        deps,
        call,
        () => streaming(validateCompletionRequest(call.request.request), true),
        (request, ctx) => deps.router.streamComplete(request, ctx),
      ),
    createEmbedding: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => validateEmbeddingRequest(call.request.request),
        (request, ctx) => deps.router.embed(request, ctx),
      ),
    createCompletion: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => streaming(validateCompletionRequest(call.request.request), false),
        (request, ctx) => deps.router.complete(request, ctx),
      ),
    rerank: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => validateRerankRequest(call.request.request),
        (request, ctx) => deps.router.rerank(request, ctx),
      ),
    createTranscription: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => validateTranscriptionRequest(call.request.request),
        (request, ctx) => deps.router.transcribe(request, ctx),
      ),
    createSpeech: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => validateSpeechRequest(call.request.request),
        (request, ctx) => deps.router.speak(request, ctx),
      ),
    createImage: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => validateImageGenerationRequest(call.request.request),
        (request, ctx) => deps.router.generateImages(request, ctx),
      ),
    createImageVariation: (call, callback) =>
      unaryModelCall(
        deps,
        call,
        callback,
        () => validateImageVariationRequest(call.request.request),
        (request, ctx) => deps.router.varyImage(request, ctx),
      ),
    async listModels(call, callback) {
      try {
        await deps.auth.authenticate(bearer(metadataValue(call.metadata, "authorization")), "");
        callback(null, create(gateway.ListModelsResponseSchema, { models: await deps.router.listModels() }));
      } catch (err) {
        callback(statusOf(err));
      }
    },
  });
}
