// Canonical chat request -> OpenAI request body. The codec in @switchyard/openai does the field work;
// this decides the streaming fields, which belong to the call, not to the client's request.

import type { Deployment } from "@switchyard/config";
import { chatRequestToJson } from "@switchyard/openai";
import type { llm } from "@switchyard/proto";
import { asObject, type JsonObject } from "../json.js";

/**
 * The exact body sent to `/chat/completions` with the deployment's upstream model name. Streams always
 * ask for `stream_options.include_usage` so the gateway can meter every stream, whatever the client
 * asked; non-streamed calls carry neither `stream` options nor `stream: true`.
 */
export function toChatCompletionsRequest(
  req: llm.ChatCompletionRequest,
  dep: Pick<Deployment, "model">,
  stream: boolean,
): JsonObject {
  const body: JsonObject = { ...chatRequestToJson(req, dep.model) };
  if (!stream) {
    delete body.stream;
    delete body.stream_options;
    return body;
  }
  body.stream = true;
  body.stream_options = { ...asObject(body.stream_options), include_usage: true };
  return body;
}
