// NLP Cloud errors -> canonical classes (https://docs.nlpcloud.com/#errors). The API answers an HTTP status with a
// short body: FastAPI's `{"detail": "..."}` (or its validation list `{"detail": [{"loc", "msg", "type"}]}`), sometimes
// `{"error": "..."}` (what LiteLLM's handler looks for), or plain text; 402 means no payment method or credit left,
// 429 too many requests, 503 the model is temporarily unavailable, 504 a request that ran too long.

import { llm } from "@switchyard/proto";
import {
  classOfStatus,
  type ErrorClassifier,
  type ProviderErrorInfo,
  plainTextMessage,
  upstreamError,
} from "../errors.js";
import { asArray, asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;
/** NLP Cloud's wording for an input over the model's limit. */
const TOO_LONG = /too long|too many tokens|maximum (input )?(size|length)|context (length|window)|exceeds? .*tokens/i;

/** The message of an NLP Cloud error body, whichever of its shapes it has. */
export function nlpCloudMessage(body: string): string | undefined {
  const root = asObject(tryParse(body));
  if (!root) return plainTextMessage(body);
  const detail = root.detail;
  if (typeof detail === "string") return detail;
  const list = asArray(detail)
    .map((d) => asString(asObject(d)?.msg))
    .filter((m): m is string => !!m);
  if (list.length > 0) return list.join("; ");
  return asString(root.error) ?? asString(asObject(root.error)?.message) ?? asString(root.message);
}

function infoOf(status: number, message: string | undefined): [ProviderErrorInfo, llm.ErrorClass] {
  const cls = classOfStatus(status);
  if (cls === ErrorClass.INVALID_REQUEST && TOO_LONG.test(message ?? "")) {
    return [{ message, code: "context_length_exceeded" }, ErrorClass.CONTEXT_WINDOW_EXCEEDED];
  }
  return [{ message }, cls];
}

/** Classifies a non-2xx NLP Cloud answer. */
export const classifyNlpCloudError: ErrorClassifier = (failure) => {
  const [info, cls] = infoOf(failure.status, nlpCloudMessage(failure.body));
  return upstreamError(failure, info, cls);
};
