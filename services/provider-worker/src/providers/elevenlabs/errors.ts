// ElevenLabs errors -> canonical classes. Bodies look like {"detail":{"status":"invalid_api_key","message":"..."}},
// or FastAPI's {"detail":[{"loc":["body","text"],"msg":"...","type":"..."}]} for a 422.
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { classOfStatus, type ErrorClassifier, type UpstreamFailure, upstreamError } from "../errors.js";
import { asArray, asObject, asString, tryParse } from "../json.js";

/** Classifies a non-2xx ElevenLabs answer by status; `quota_exceeded` (a 401) is a permission error. */
export const classifyElevenLabsError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const detail = asObject(tryParse(failure.body))?.detail;
  const obj = asObject(detail) ?? asObject(asArray(detail)[0]);
  const code = asString(obj?.status) ?? asString(obj?.type);
  const message = asString(obj?.message) ?? asString(obj?.msg) ?? asString(detail);
  const cls = code === "quota_exceeded" ? llm.ErrorClass.PERMISSION_DENIED : classOfStatus(failure.status);
  return upstreamError(failure, { message, code, type: "invalid_request_error" }, cls);
};
