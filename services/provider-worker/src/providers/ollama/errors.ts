// Ollama errors -> canonical classes. Every failure is `{"error": "<text>"}` with an HTTP status (400 bad request,
// 404 model not found, 429 busy, 500 runner failure); a stream that fails after its 200 sends the same object as a
// line.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import {
  classOfStatus,
  type DeploymentRef,
  type ErrorClassifier,
  type ProviderErrorInfo,
  upstreamError,
} from "../errors.js";
import { asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;
const CONTEXT_WORDING = /context length|context window|too long|exceeds? the (model'?s )?context/i;

function infoOf(value: unknown): ProviderErrorInfo {
  const root = asObject(value) ?? {};
  return { message: asString(root.error) ?? asString(asObject(root.error)?.message) };
}

function classOf(status: number, info: ProviderErrorInfo): llm.ErrorClass {
  const cls = classOfStatus(status);
  if (cls === ErrorClass.INVALID_REQUEST && CONTEXT_WORDING.test(info.message ?? "")) {
    return ErrorClass.CONTEXT_WINDOW_EXCEEDED;
  }
  return cls;
}

/** OpenAI's code for an over-long prompt, so clients recognise it whatever the provider called it. */
function coded(info: ProviderErrorInfo, cls: llm.ErrorClass): ProviderErrorInfo {
  return cls === ErrorClass.CONTEXT_WINDOW_EXCEEDED ? { ...info, code: "context_length_exceeded" } : info;
}

/** Classifies a non-2xx `/api/chat` or `/api/embed` response. */
export const classifyOllamaError: ErrorClassifier = (failure) => {
  const info = infoOf(tryParse(failure.body));
  const cls = classOf(failure.status, info);
  return upstreamError(failure, coded(info, cls), cls);
};

/** The error of a stream line that carries `{"error": ...}` instead of a message (the stream's status was 200). */
export function ollamaStreamError(line: string, dep: DeploymentRef): GatewayError {
  const info = infoOf(tryParse(line));
  const failure = { status: 500, headers: {}, body: line, provider: dep.provider, deploymentId: dep.id };
  const cls = classOf(500, info);
  return upstreamError(failure, coded(info, cls), cls);
}
