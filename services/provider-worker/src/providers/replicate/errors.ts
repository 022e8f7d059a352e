// Replicate errors -> canonical classes. HTTP errors are problem details (`application/problem+json`,
// https://replicate.com/docs/topics/predictions/errors): {"title","detail","status"}, 422 adding `invalid_fields`;
// 402 is "insufficient credit" and 429 carries Retry-After. A prediction that was created but then failed answers 2xx
// with `status: "failed"` and `error` text; a stream says so with an `event: error` frame.

import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type ProviderErrorInfo,
  upstreamError,
  withContextCode,
} from "../errors.js";
import { asArray, asObject, asString, type JsonObject, tryParse } from "../json.js";

const { ErrorClass } = llm;

const CONTEXT_WORDING =
  /context length|context window|maximum (input|sequence|prompt) length|prompt length|too many tokens|exceeds the (model|maximum)/i;
/** Replicate's safety checkers fail a prediction with "NSFW content detected" and similar text. */
const POLICY_WORDING = /nsfw|safety checker|content (policy|filter|moderation)|flagged as (sensitive|unsafe)/i;

function infoOf(root: JsonObject): ProviderErrorInfo {
  const field = asObject(asArray(root.invalid_fields)[0]);
  return {
    message: asString(root.detail) ?? asString(root.title) ?? asString(root.error) ?? asString(root.message),
    ...(field ? { param: asString(field.field), code: asString(field.type) } : {}),
  };
}

/** The class of a failure's text when it says more than its status. */
function classOfText(text: string, fallback: llm.ErrorClass): llm.ErrorClass {
  if (POLICY_WORDING.test(text)) return ErrorClass.CONTENT_POLICY;
  if (CONTEXT_WORDING.test(text)) return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  return fallback;
}

/** OpenAI's code for an over-long prompt or a refused one, so clients recognise them whatever Replicate said. */
function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  if (cls === ErrorClass.CONTENT_POLICY) return { ...info, code: "content_policy_violation" };
  return withContextCode(info, cls);
}

/** Classifies a non-2xx answer of any Replicate call (create, get, stream). */
export const classifyReplicateError: ErrorClassifier = (failure) => {
  const info = infoOf(asObject(tryParse(failure.body)) ?? {});
  const byStatus = classOfStatus(failure.status);
  const cls = byStatus === ErrorClass.INVALID_REQUEST ? classOfText(info.message ?? "", byStatus) : byStatus;
  return upstreamError(failure, coded(info, cls), cls);
};

/** Classes whose text is about the client's own request, so shown to it. */
const FACING = new Set<llm.ErrorClass>([ErrorClass.CONTENT_POLICY, ErrorClass.CONTEXT_WINDOW_EXCEEDED]);

/**
 * The error of a prediction that ended `failed` (or `canceled` by someone else): NSFW and safety-checker refusals are
 * CONTENT_POLICY, context wording CONTEXT_WINDOW_EXCEEDED, anything else (the model crashed, ran out of memory, was
 * canceled) UNAVAILABLE so the router may try another deployment. `text` is already redacted.
 */
export function predictionError(dep: DeploymentRef, status: string, text: string, id: string): GatewayError {
  const cls = status === "failed" ? classOfText(text, ErrorClass.UNAVAILABLE) : ErrorClass.UNAVAILABLE;
  const info = coded({ message: text }, cls);
  const what = status === "failed" ? "the prediction failed" : `the prediction was ${status}`;
  return new GatewayError(
    {
      class: cls,
      message: FACING.has(cls) && text ? text : `${dep.provider}: ${what}`,
      code: FACING.has(cls) ? (info.code ?? "") : "",
      provider: dep.provider,
      deploymentId: dep.id,
    },
    { cause: new Error(`prediction ${id} ${status}: ${text.slice(0, 2000)}`) },
  );
}

/** The error of a stream's `event: error` frame, whose data is `{"detail": "..."}` or plain text. */
export function streamErrorText(data: string): string {
  const o = asObject(tryParse(data));
  return (o ? (asString(o.detail) ?? asString(o.error) ?? asString(o.message)) : undefined) ?? data;
}
