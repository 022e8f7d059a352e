// `POST /v1/embeddings`, as OpenAI serves it: one router call, one JSON body, the cost in response headers.
import type { ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import { renderEmbeddingResponse } from "@switchyard/openai";
import { llm, router } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { costHeaders, routeHeaders } from "./chat-rest.js";
import { sendError, sendJson } from "./http-io.js";
import type { CallContext, RouterClient } from "./upstream.js";

/** Serves an embeddings request; failures become OpenAI error bodies with the route headers. */
export async function serveEmbeddings(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.EmbeddingRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  try {
    const result = await routerClient.embed(request, ctx);
    const { response, charge } = fromBinary(router.EmbedResponseSchema, result.value);
    if (!response) {
      throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream returned no embeddings" });
    }
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    sendJson(res, 200, renderEmbeddingResponse(response, request.encodingFormat), out);
  } catch (err) {
    sendError(res, err, routeHeaders(err instanceof GatewayError ? err.meta : undefined, headers));
  }
}
