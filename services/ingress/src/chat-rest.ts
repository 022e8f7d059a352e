import type { IncomingMessage, ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import { renderChatChunk, renderChatCompletion, renderError } from "@switchyard/openai";
import { formatUsd } from "@switchyard/pricing";
import { llm, type metering, router } from "@switchyard/proto";
import { type connect, type Encoded, GatewayError, streamWriter } from "@switchyard/runtime";
import { sendError, sendJson } from "./http-io.js";
import { RATE_LIMIT_HEADERS } from "./limits.js";
import type { CallContext, RouterClient } from "./upstream.js";

const ROUTE_HEADERS = ["x-switchyard-deployment", "x-switchyard-attempts", ...RATE_LIMIT_HEADERS];

/** Copies the router's route headers into HTTP response headers. */
export function routeHeaders(
  from: Readonly<Record<string, string>> | undefined,
  base: Record<string, string>,
): Record<string, string> {
  const headers = { ...base };
  if (!from) return headers;
  for (const name of ROUTE_HEADERS) {
    const value = from[name];
    if (value) headers[name] = value;
  }
  return headers;
}

/** The headers that report a call's cost in dollars: Switchyard's own and LiteLLM's name for it. */
const COST_HEADERS = ["x-switchyard-response-cost", "x-litellm-response-cost"] as const;

/** What failed attempts before the answer were charged, in dollars; sent only when that is more than nothing. */
const FAILED_ATTEMPTS_COST_HEADER = "x-switchyard-failed-attempts-cost";

/** The `Trailer:` declaration of a stream, whose cost headers come after its last event. */
export const COST_TRAILERS = [...COST_HEADERS, FAILED_ATTEMPTS_COST_HEADER].join(", ");

/** The cost headers for a charge (none when the worker reported no charge). */
export function costHeaders(charge: metering.Charge | undefined): Record<string, string> {
  if (!charge) return {};
  const usd = formatUsd(charge.costNanos);
  const headers: Record<string, string> = { [COST_HEADERS[0]]: usd, [COST_HEADERS[1]]: usd };
  if (charge.failedAttemptsCostNanos > 0n)
    headers[FAILED_ATTEMPTS_COST_HEADER] = formatUsd(charge.failedAttemptsCostNanos);
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
    const { completion, charge } = fromBinary(router.ChatResponseSchema, result.value);
    if (!completion)
      throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream returned no completion" });
    const out = routeHeaders(result.headers, headers);
    sendJson(res, 200, renderChatCompletion(completion), Object.assign(out, costHeaders(charge)));
  } catch (err) {
    sendError(res, err, routeHeaders(err instanceof GatewayError ? err.meta : undefined, headers));
  }
}

/** Serves a streamed chat completion as server-sent events (see `serveSse`). */
export function streamChat(
  req: IncomingMessage,
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.ChatCompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  return serveSse(req, res, routerClient.streamChat(request, ctx), headers, (bytes) => {
    const { chunk, charge } = fromBinary(router.StreamChatResponseSchema, bytes);
    return { data: chunk && renderChatChunk(chunk), charge };
  });
}

/** One stream message as the client sees it: its `data:` JSON (none for the charge message) and the charge. */
export interface SseMessage {
  readonly data: string | undefined;
  readonly charge: metering.Charge | undefined;
}

/**
 * Serves a routed stream as OpenAI's server-sent events. The HTTP status is chosen only once the router commits to a
 * deployment (its response headers), so failures before the first byte still get a proper error status. A failure
 * after that ends the stream with an error event and never `[DONE]`. The cost is known only once the stream ends, so
 * it travels as HTTP trailers (declared up front).
 */
export async function serveSse(
  req: IncomingMessage,
  res: ServerResponse,
  stream: connect.ServerStream<Encoded>,
  headers: Record<string, string>,
  render: (bytes: Encoded) => SseMessage,
): Promise<void> {
  // The router's call is cancelled through ctx.signal when the client goes away (see rest.ts).
  req.on("error", () => {});
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
  // The headers leave with the first event, which leaves on its own (time to first token).
  const write = streamWriter(res);
  try {
    for await (const bytes of stream) {
      start();
      const { data, charge } = render(bytes);
      if (charge) res.addTrailers(costHeaders(charge));
      if (data === undefined) continue;
      const wait = write(`data: ${data}\n\n`);
      if (wait) await wait;
    }
    start();
    res.end("data: [DONE]\n\n");
  } catch (err) {
    const error = GatewayError.from(err);
    if (!started) sendError(res, error, routeHeaders(error.meta, headers));
    else if (!res.writableEnded) res.end(`data: ${renderError(error.detail)}\n\n`);
  }
}
