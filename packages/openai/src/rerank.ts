// The rerank wire format LiteLLM serves at `POST /v1/rerank`, which follows Cohere's
// (https://docs.cohere.com/reference/rerank; LiteLLM's litellm/types/rerank.py) <-> the canonical switchyard.llm.v1
// rerank messages: the client's request and the client's answer. Providers' own shapes live in their adapters.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { clientFields as f } from "./fields.js";
import { findHazard, isObject, itemPath, type JsonObject, parseObjectText, restOf, toExtraJson } from "./json.js";
import { parseFallbacks, parseMetadata } from "./request-parse.js";

/** The most documents one request may rank (Cohere's limit). */
export const MAX_RERANK_DOCUMENTS = 10_000;

const MODELLED: ReadonlySet<string> = new Set([
  "model",
  "query",
  "documents",
  "top_n",
  "return_documents",
  "rank_fields",
  "max_chunks_per_doc",
  "max_tokens_per_doc",
  "metadata",
  "fallbacks",
]);

/** Validates a rerank request body; throws only GatewayError naming the field. */
export function parseRerankRequest(body: unknown): llm.RerankRequest {
  try {
    if (!isObject(body)) throw invalidRequest("request body: expected a JSON object");
    const hazard = findHazard(body);
    if (hazard !== undefined) throw invalidRequest(`${hazard.path}: ${hazard.problem}`, hazard.path);
    const model = f.requiredString(body, "model", "");
    if (model === "") throw f.fail("model", "required");
    const query = f.requiredString(body, "query", "");
    if (query === "") throw f.fail("query", "expected a non-empty string");
    const rankFields = (f.array(body, "rank_fields", "") ?? []).map((name, i) => {
      if (typeof name !== "string" || name === "") throw f.fail(itemPath("rank_fields", i), "expected a field name");
      return name;
    });
    return create(llm.RerankRequestSchema, {
      model,
      query,
      documents: parseDocuments(body),
      topN: f.integer(body, "top_n", "", 1, MAX_RERANK_DOCUMENTS),
      returnDocuments: f.boolean(body, "return_documents", ""),
      rankFields,
      maxChunksPerDoc: f.integer(body, "max_chunks_per_doc", "", 1, 10_000),
      maxTokensPerDoc: f.integer(body, "max_tokens_per_doc", "", 1, 1_000_000),
      ...parseMetadata(body),
      fallbacks: parseFallbacks(body),
      extraJson: toExtraJson(restOf(body, MODELLED)),
    });
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message: "invalid request body" }, { cause: err });
  }
}

/** `documents`: strings, or objects (ranked on their `text`, else on the whole object as JSON). */
function parseDocuments(body: JsonObject): llm.RerankDocument[] {
  const documents = f.array(body, "documents", "");
  if (documents === undefined) throw f.fail("documents", "required");
  if (documents.length === 0) throw f.fail("documents", "expected at least one document");
  if (documents.length > MAX_RERANK_DOCUMENTS) {
    throw f.fail("documents", `expected at most ${MAX_RERANK_DOCUMENTS} documents`);
  }
  return documents.map((doc, i) => {
    if (typeof doc === "string") return create(llm.RerankDocumentSchema, { text: doc });
    if (!isObject(doc)) throw f.fail(itemPath("documents", i), "expected a string or an object");
    const text = doc["text"];
    if (text !== undefined && typeof text !== "string")
      throw f.fail(`${itemPath("documents", i)}.text`, "expected a string");
    return create(llm.RerankDocumentSchema, { text: text ?? "", json: JSON.stringify(doc) });
  });
}

/** The text a provider ranks a document on: its text, else the object as JSON. */
export function documentText(doc: llm.RerankDocument): string {
  return doc.text !== "" || doc.json === "" ? doc.text : doc.json;
}

/** The client's answer in LiteLLM's (Cohere's) shape: `{id, results, meta: {billed_units, tokens}}`. */
export function renderRerankResponse(res: llm.RerankResponse): string {
  const prompt = res.usage?.promptTokens ?? 0;
  const billed: JsonObject = { search_units: res.searchUnits };
  if (res.usage) billed.total_tokens = res.usage.totalTokens || prompt;
  return JSON.stringify({
    id: res.id,
    results: res.results.map((r) => {
      const out: JsonObject = { index: r.index, relevance_score: r.relevanceScore };
      if (r.document) out.document = (r.document.json && parseObjectText(r.document.json)) || { text: r.document.text };
      return out;
    }),
    meta: { billed_units: billed, tokens: { input_tokens: prompt, output_tokens: 0 } },
  });
}
