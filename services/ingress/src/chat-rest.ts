import type { IncomingMessage, ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { renderChatChunk, renderChatCompletion, renderError } from "@switchyard/openai";
import { llm, router } from "@switchyard/proto";
import { type Encoded, fromServiceError, GatewayError } from "@switchyard/runtime";
import { sendError, sendJson } from "./http-io.js";
import type { CallContext, RouterClient } from "./upstream.js";

const ROUTE_HEADERS = ["x-switchyard-deployment", "x-switchyard-attempts"] as const;

/** Copies the router's route metadata into HTTP response headers. */
function routeHeaders(md: grpc.Metadata | undefined, base: Record<string, string>): Record<string, string> {
  const headers = { ...base };
  if (!md) return headers;
  for (const name of ROUTE_HEADERS) {
    const value = md.get(name)[0];
    if (typeof value === "string") headers[name] = value;
  }
  return headers;
}

/** Serves a non-streamed chat completion: one router call, one JSON body. */
export async function completeChat(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.ChatCompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  try {
    const result = await routerClient.chat(request, ctx);
    const completion = fromBinary(router.ChatResponseSchema, result.value).completion;
    if (!completion)
      throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream returned no completion" });
    sendJson(res, 200, renderChatCompletion(completion), routeHeaders(result.headers, headers));
  } catch (err) {
    const metadata = (err as { metadata?: grpc.Metadata }).metadata;
    sendError(res, err, routeHeaders(metadata, headers));
  }
}

/**
 * Serves a streamed chat completion as server-sent events. The HTTP status is chosen only once the
 * router commits to a deployment (its response headers), so failures before the first byte still get a
 * proper error status. A failure after that ends the stream with an error event and never `[DONE]`.
 */
export function streamChat(
  req: IncomingMessage,
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.ChatCompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  return new Promise((resolve) => {
    const stream = routerClient.streamChat(request, ctx);
    let started = false;
    const start = (md?: grpc.Metadata) => {
      if (started) return;
      started = true;
      res.writeHead(200, {
        ...routeHeaders(md, headers),
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      });
      res.flushHeaders();
    };
    stream.on("metadata", start);
    stream.on("data", (bytes: Encoded) => {
      start();
      const chunk = fromBinary(router.StreamChatResponseSchema, bytes).chunk;
      if (!chunk) return;
      if (!res.write(`data: ${renderChatChunk(chunk)}\n\n`)) {
        stream.pause();
        res.once("drain", () => stream.resume());
      }
    });
    // grpc-js may emit "end" after "error"; only the first outcome counts.
    let settled = false;
    stream.on("error", (err: grpc.ServiceError) => {
      if (settled) return;
      settled = true;
      const error = fromServiceError(err);
      if (!started) sendError(res, error, routeHeaders(err.metadata, headers));
      else if (!res.writableEnded) res.end(`data: ${renderError(error.detail)}\n\n`);
      resolve();
    });
    stream.on("end", () => {
      if (settled) return;
      settled = true;
      start();
      res.end("data: [DONE]\n\n");
      resolve();
    });
    // The router's call is cancelled through ctx.signal when the client goes away (see rest.ts).
    req.on("error", () => {});
  });
}
