// Deepgram errors -> canonical classes (https://developers.deepgram.com/docs/errors). Bodies look like
// {"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"..."} or, on newer endpoints,
// {"category":"INVALID_AUTH","message":"...","details":"...","request_id":"..."}.
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { classOfStatus, type ErrorClassifier, type UpstreamFailure, upstreamError } from "../errors.js";
import { asObject, asString, tryParse } from "../json.js";

/** Classifies a non-2xx Deepgram answer: by status, with 402 (insufficient credits) as a permission error. */
export const classifyDeepgramError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const body = asObject(tryParse(failure.body)) ?? {};
  const code = asString(body.err_code) ?? asString(body.category);
  const message = asString(body.err_msg) ?? asString(body.message) ?? asString(body.details);
  const cls = code === "INSUFFICIENT_PERMISSIONS" ? llm.ErrorClass.PERMISSION_DENIED : classOfStatus(failure.status);
  return upstreamError(failure, { message, code, type: "invalid_request_error" }, cls);
};
