// Azure errors -> canonical classes, for Azure OpenAI and the Azure AI model inference API. Both answer OpenAI's
// {"error": {...}} object, with Azure's additions: `innererror.code: "ResponsibleAIPolicyViolation"` when the content
// filter blocks a prompt (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter), numeric
// `code`s such as "429", and, from the model inference API, flat {"error": "...", "message": "..."} bodies and 422s
// whose `details[].loc` names the rejected field
// (https://learn.microsoft.com/azure/ai-foundry/model-inference/reference/reference-model-inference-chat-completions).

import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  type DeploymentRef,
  type ErrorClassifier,
  type ProviderErrorInfo,
  type UpstreamFailure,
  upstreamError,
} from "../errors.js";
import { asArray, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { classifyOpenAIError, parseOpenAIError } from "../openai/errors.js";

const { ErrorClass } = llm;

/** The inner error code of a prompt the content filter blocked. */
const POLICY_VIOLATION = "ResponsibleAIPolicyViolation";

/** The last path element of a 422's `details[0].loc` (["body", "logprobs"] -> "logprobs"). */
function paramOfDetails(error: JsonObject): string | undefined {
  const first = asObject(asArray(error.details ?? error.detail)[0]);
  const loc = asArray(first?.loc).filter((part) => part !== "body");
  return loc.length > 0 ? loc.map(String).join(".") : undefined;
}

/** Reads every Azure error shape into OpenAI's vocabulary. */
function parseAzureError(root: JsonObject): ProviderErrorInfo {
  const nested = asObject(root.error);
  if (!nested) {
    // The model inference API's flat shape: {"error": "Unauthorized", "message": "...", "status": 401}.
    const code = asString(root.code) ?? asString(root.error);
    return { message: asString(root.message) ?? asString(root.error), code, param: paramOfDetails(root) };
  }
  const info = parseOpenAIError(root);
  return { ...info, param: info.param ?? paramOfDetails(nested) };
}

/** Whether the body is the content filter's verdict on a prompt. */
function isPolicyViolation(root: JsonObject): boolean {
  const inner = asObject(asObject(root.error)?.innererror) ?? asObject(root.innererror);
  return asString(inner?.code) === POLICY_VIOLATION;
}

/** Classifies a non-2xx Azure OpenAI or Azure AI model inference response. */
export const classifyAzureError: ErrorClassifier = (failure: UpstreamFailure): GatewayError => {
  const root = asObject(tryParse(failure.body));
  if (!root) return classifyOpenAIError(failure);
  const clientError = failure.status >= 400 && failure.status < 500 && failure.status !== 429;
  if (clientError && isPolicyViolation(root)) {
    const info = parseOpenAIError(root);
    return upstreamError(failure, { ...info, code: info.code ?? "content_filter" }, ErrorClass.CONTENT_POLICY);
  }
  if (asObject(root.error) && !asObject(root.error)?.details) return classifyOpenAIError(failure);
  // Flat bodies and 422s: normalise to OpenAI's shape so the OpenAI rules (context length, content filter) apply.
  const info = parseAzureError(root);
  const classified = classifyOpenAIError({ ...failure, body: JSON.stringify({ error: info }) });
  return upstreamError(failure, info, classified.errorClass);
};

/**
 * The error for an answer the content filter withheld: a 200 whose every choice finished with `content_filter`
 * before producing anything. CONTENT_POLICY, so `content_policy_fallbacks` apply instead of an empty answer reaching
 * the client.
 */
export function contentFilterError(dep: DeploymentRef): GatewayError {
  return new GatewayError({
    class: ErrorClass.CONTENT_POLICY,
    message: `${dep.provider}: the response was filtered by the content management policy`,
    type: "invalid_request_error",
    code: "content_filter",
    provider: dep.provider,
    deploymentId: dep.id,
  });
}
