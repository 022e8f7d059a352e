// Canonical errors and model lists -> OpenAI JSON text.
import type { llm } from "@switchyard/proto";

/**
 * An OpenAI error body, `{"error":{"message","type","param","code"}}`; `param` and `code` are null
 * when empty, as OpenAI sends them.
 */
export function renderError(detail: llm.Error): string {
  return JSON.stringify({
    error: {
      message: detail.message,
      type: detail.type || "api_error",
      param: detail.param || null,
      code: detail.code || null,
    },
  });
}

/** An OpenAI `GET /v1/models` body listing the given models. */
export function renderModelList(models: readonly llm.Model[]): string {
  return JSON.stringify({
    object: "list",
    data: models.map((m) => ({ id: m.id, object: "model", created: m.created, owned_by: m.ownedBy })),
  });
}
