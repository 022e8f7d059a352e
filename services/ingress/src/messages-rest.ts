// `POST /v1/messages` and `POST /v1/messages/count_tokens` in Anthropic's Messages format
// (https://docs.anthropic.com/en/api/messages): a REST translation of the canonical chat path (the same router calls,
// limits, fallbacks and metering as /v1/chat/completions and GatewayService.CreateChatCompletion /
// StreamChatCompletion), so Anthropic SDK clients reach any provider behind the gateway.
import type { IncomingMessage, ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import {
  AnthropicStreamEncoder,
  anthropicErrorEvent,
  estimatePromptTokens,
  renderAnthropicError,
  renderAnthropicMessage,
} from "@switchyard/openai";
import { llm, router } from "@switchyard/proto";
import { GatewayError, streamWriter } from "@switchyard/runtime";
import { bearer } from "./auth.js";
import { COST_TRAILERS, costHeaders, routeHeaders } from "./chat-rest.js";
import { sendJson } from "./http-io.js";
import type { CallContext, RouterClient } from "./upstream.js";

/** The key of an Anthropic-format call: Anthropic SDKs send `x-api-key`; `Authorization: Bearer` works as well. */
export function anthropicCredential(req: IncomingMessage): string | undefined {
  const key = req.headers["x-api-key"];
  if (typeof key === "string" && key.trim() !== "") return key.trim();
  return bearer(req.headers.authorization);
}

/** Sends an error in Anthropic's error JSON with its HTTP status (and Retry-After when known). */
export function sendAnthropicError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const error = GatewayError.from(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra = { ...headers };
  if (error.detail.retryAfterSeconds !== undefined) {
    extra["retry-after"] = String(Math.ceil(error.detail.retryAfterSeconds));
  }
  sendJson(res, error.detail.httpStatus || 500, renderAnthropicError(error.detail), extra);
}

/** Serves `/v1/messages/count_tokens`: the gateway's prompt estimate of the translated request. */
export async function countMessageTokens(
  res: ServerResponse,
  request: llm.ChatCompletionRequest,
  headers: Record<string, string>,
): Promise<void> {
  sendJson(res, 200, JSON.stringify({ input_tokens: await estimatePromptTokens(request) }), headers);
}

/** Serves `/v1/messages`, streamed or not. */
export async function serveMessages(
  req: IncomingMessage,
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.ChatCompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  if (request.stream) await streamMessage(req, res, routerClient, request, ctx, headers);
  else await completeMessage(res, routerClient, request, ctx, headers);
}

async function completeMessage(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.ChatCompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  try {
    const result = await routerClient.chat(request, ctx);
    const { completion, charge } = fromBinary(router.ChatResponseSchema, result.value);
    if (!completion) {
      throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream returned no completion" });
    }
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    sendJson(res, 200, renderAnthropicMessage(completion, request), out);
  } catch (err) {
    sendAnthropicError(res, err, routeHeaders(err instanceof GatewayError ? err.meta : undefined, headers));
  }
}

/**
 * Streams Anthropic's events. As on the OpenAI route, the status is chosen once the router commits to a deployment,
 * so a failure before the first byte is a proper error response; after it, the stream ends with `event: error`
 * and no `message_stop`. The cost travels as HTTP trailers.
 */
async function streamMessage(
  req: IncomingMessage,
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.ChatCompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  req.on("error", () => {});
  const encoder = new AnthropicStreamEncoder(request, await estimatePromptTokens(request));
  const stream = routerClient.streamChat(request, ctx);
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, {
      ...routeHeaders(stream.headers, headers),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
      trailer: COST_TRAILERS,
    });
  };
  // The headers leave with the first events, which leave on their own (time to first token).
  const write = streamWriter(res);
  try {
    for await (const bytes of stream) {
      start();
      const { chunk, charge } = fromBinary(router.StreamChatResponseSchema, bytes);
      if (charge) res.addTrailers(costHeaders(charge));
      if (!chunk) continue;
      const events = encoder.push(chunk);
      if (events.length === 0) continue;
      const wait = write(events.join(""));
      if (wait) await wait;
    }
    start();
    res.end(encoder.finish().join(""));
  } catch (err) {
    const error = GatewayError.from(err);
    if (!started) sendAnthropicError(res, error, routeHeaders(error.meta, headers));
    else if (!res.writableEnded) res.end(anthropicErrorEvent(error.detail));
  }
}
