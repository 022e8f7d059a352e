// Claude on Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude): the
// Anthropic Messages API behind `:rawPredict` and `:streamRawPredict`, its body without `model` (the URL names it)
// and with `anthropic_version: "vertex-2023-10-16"`. The translation is the Anthropic adapter's own.

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { toMessagesRequest } from "../anthropic/chat-request.js";
import { classifyAnthropicError } from "../anthropic/errors.js";
import type { ErrorClassifier, UpstreamFailure } from "../errors.js";
import { classifyGoogleError, isGoogleError } from "../gemini/errors.js";
import { asObject, type JsonObject, tryParse } from "../json.js";

/** The Messages API version Vertex AI pins, sent in the body instead of a header. */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

/** The exact body of `:rawPredict` (and, with `stream: true`, `:streamRawPredict`). */
export function toRawPredictRequest(
  req: llm.ChatCompletionRequest,
  dep: Pick<Deployment, "provider" | "id" | "model" | "params">,
  stream: boolean,
): JsonObject {
  const { model: _model, ...body } = toMessagesRequest(req, dep, stream);
  return { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...body };
}

/**
 * Classifies a failed rawPredict call. Vertex's own front end answers in Google's error format (quota, auth,
 * unknown model), the model behind it in Anthropic's (`{"type":"error","error":{...}}`).
 */
export const classifyVertexClaudeError: ErrorClassifier = (failure: UpstreamFailure): GatewayError =>
  isGoogleError(asObject(tryParse(failure.body))) ? classifyGoogleError(failure) : classifyAnthropicError(failure);
