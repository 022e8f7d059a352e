// `POST /v1/rerank`, in Cohere's shape as LiteLLM serves it: one router call, one JSON body, the cost in response
// headers.
import type { ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import { renderRerankResponse } from "@switchyard/openai";
import { llm, router } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { costHeaders, routeHeaders } from "./chat-rest.js";
import { sendError, sendJson } from "./http-io.js";
import type { CallContext, RouterClient } from "./upstream.js";

/** Serves a rerank request; failures become OpenAI error bodies with the route headers, as LiteLLM answers them. */
export async function serveRerank(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.RerankRequest,
  ctx: CallContext,
  headers: Record<string, string>,
): Promise<void> {
  try {
    const result = await routerClient.rerank(request, ctx);
    const { response, charge } = fromBinary(router.RerankResponseSchema, result.value);
    if (!response)
      throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream returned no ranking" });
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    sendJson(res, 200, renderRerankResponse(response), out);
  } catch (err) {
    sendError(res, err, routeHeaders(err instanceof GatewayError ? err.meta : undefined, headers));
  }
}
