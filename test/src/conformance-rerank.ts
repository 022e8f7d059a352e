// Validates rerank answers against the response shape LiteLLM documents for `POST /v1/rerank` (it follows Cohere's:
// litellm/types/rerank.py's RerankResponse, https://docs.litellm.ai/docs/rerank). OpenAI publishes no rerank schema,
// so this JSON Schema transcribes LiteLLM's types: `{id, results: [{index, relevance_score, document?: {text}}],
// meta: {api_version?, billed_units?: {search_units?, total_tokens?}, tokens?: {input_tokens?, output_tokens?}}}`.
import { AssertionError } from "node:assert";
import { Ajv } from "ajv";

const count = { type: "integer", minimum: 0 } as const;

/** LiteLLM's RerankResponse as JSON Schema. */
export const RERANK_RESPONSE_SCHEMA = {
  type: "object",
  required: ["id", "results", "meta"],
  properties: {
    id: { type: "string", minLength: 1 },
    results: {
      type: "array",
      items: {
        type: "object",
        required: ["index", "relevance_score"],
        properties: {
          index: count,
          relevance_score: { type: "number" },
          document: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
        },
      },
    },
    meta: {
      type: "object",
      properties: {
        api_version: { type: "object" },
        billed_units: { type: "object", properties: { search_units: count, total_tokens: count } },
        tokens: { type: "object", properties: { input_tokens: count, output_tokens: count } },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(RERANK_RESPONSE_SCHEMA);

/** Throws an AssertionError listing every violation when `json` is not a LiteLLM-shaped rerank answer. */
export function assertRerankResponse(json: unknown): void {
  if (validate(json)) return;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("; ");
  throw new AssertionError({ message: `not a LiteLLM rerank response: ${errors}`, actual: json });
}
