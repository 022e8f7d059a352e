// Cohere's v2 Rerank (https://docs.cohere.com/reference/rerank): `POST /v2/rerank` with
// `{model, query, documents: string[], top_n?, max_tokens_per_doc?}`, answered with
// `{id, results: [{index, relevance_score}], meta: {billed_units: {search_units}}}`. v2 returns no documents, so the
// gateway attaches them from the request when asked; v1's `rank_fields` and `max_chunks_per_doc` are gone in v2.
import type { llm } from "@switchyard/proto";
import { unsupportedParam } from "../errors.js";
import { postJson } from "../http.js";
import { asNumber, asObject, asString } from "../json.js";
import { cohereStyleRerankBody, rankedResponse, withExtra } from "../rerank.js";
import type { AttemptContext } from "../types.js";
import { cohereHeaders, rerankUrl } from "./api.js";
import { classifyCohereError } from "./errors.js";

/** The exact v2 rerank body; v1-only fields are refused with a 400 naming them unless `drop_params`. */
export function toCohereRerankRequest(request: llm.RerankRequest, ctx: AttemptContext) {
  const drop = ctx.deployment.params.drop_params === true;
  if (request.rankFields.length > 0 && !drop) throw unsupportedParam(ctx.deployment, "rank_fields", "(Cohere v2)");
  if (request.maxChunksPerDoc !== undefined && !drop) {
    throw unsupportedParam(ctx.deployment, "max_chunks_per_doc", "(Cohere v2; use max_tokens_per_doc)");
  }
  const body = cohereStyleRerankBody(request, ctx.deployment.model);
  if (request.maxTokensPerDoc !== undefined) body.max_tokens_per_doc = request.maxTokensPerDoc;
  return withExtra(body, request.extraJson);
}

/** Ranks the documents with Cohere; the search units it billed come back for metering and the client. */
export async function cohereRerank(request: llm.RerankRequest, ctx: AttemptContext): Promise<llm.RerankResponse> {
  const json = asObject(
    await postJson(ctx, {
      url: rerankUrl(ctx.deployment),
      headers: cohereHeaders(ctx.apiKey, false),
      body: toCohereRerankRequest(request, ctx),
      classify: classifyCohereError,
    }),
  );
  const billed = asObject(asObject(json?.meta)?.billed_units);
  return rankedResponse(
    { list: json?.results, id: asString(json?.id), searchUnits: asNumber(billed?.search_units) },
    request,
    ctx.deployment,
    ctx.requestId,
  );
}
