// `POST /v1/completions`, as OpenAI serves legacy text completions: one router call and one JSON body with the cost
// in response headers, or with `stream: true` server-sent `text_completion` chunks with the cost in trailers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import { renderCompletion, renderCompletionChunk } from "@switchyard/openai";
import { llm, router } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { costHeaders, routeHeaders, serveSse } from "./chat-rest.js";
import { sendError, sendJson } from "./http-io.js";
import type { CallContext, RouterClient } from "./upstream.js";

/** Serves a text completion request; failures become OpenAI error bodies with the route headers. */
export async function serveCompletion(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.CompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  try {
    const result = await routerClient.complete(request, ctx);
    const { completion, charge } = fromBinary(router.CompleteResponseSchema, result.value);
    if (!completion) {
      throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream returned no completion" });
    }
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    sendJson(res, 200, renderCompletion(completion), out);
  } catch (err) {
    sendError(res, err, routeHeaders(err instanceof GatewayError ? err.meta : undefined, headers));
  }
}

/** Serves a streamed text completion as server-sent events (see `serveSse`). */
export function streamCompletion(
  req: IncomingMessage,
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.CompletionRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  return serveSse(req, res, routerClient.streamComplete(request, ctx), headers, (bytes) => {
    const { chunk, charge } = fromBinary(router.StreamCompleteResponseSchema, bytes);
    return { data: chunk && renderCompletionChunk(chunk), charge };
  });
}
