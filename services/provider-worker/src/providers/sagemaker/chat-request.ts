// Canonical chat request -> the body a SageMaker endpoint serving the Hugging Face Messages API receives, as LiteLLM's
// `sagemaker_chat` sends it (litellm/llms/sagemaker/chat: OpenAI's chat completions body, `model` = the endpoint
// name; https://huggingface.co/docs/text-generation-inference/en/messages_api). InvokeEndpoint passes the body to
// the container unchanged, so every OpenAI field reaches it as the OpenAI adapter would send it.

import type { llm } from "@switchyard/proto";
import type { JsonObject } from "../json.js";
import { toChatCompletionsRequest } from "../openai/chat-request.js";

/**
 * `{"model": "<endpoint>", "messages": [...], ...every other OpenAI field}`. Streams add `"stream": true` (TGI answers
 * a streamed call only when the body asks for it) and `"stream_options": {"include_usage": true}` so the gateway can
 * meter them; non-streamed calls carry neither.
 */
export function toSagemakerRequest(req: llm.ChatCompletionRequest, endpointName: string, stream: boolean): JsonObject {
  return toChatCompletionsRequest(req, { model: endpointName }, stream);
}
