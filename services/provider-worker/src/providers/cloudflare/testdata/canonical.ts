// The canonical requests whose Workers AI translations are request.json / request-stream.json (shared by the specs).

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** A short conversation with sampling fields, Workers AI's own `top_k`, and `user` (left out). */
export function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-public",
    messages: [
      { role: Role.DEVELOPER, content: { case: "text", value: "You are terse." } },
      { role: Role.USER, content: { case: "text", value: "Why is the sky blue?" } },
      { role: Role.ASSISTANT, content: { case: "text", value: "Rayleigh scattering." } },
      {
        role: Role.USER,
        content: { case: "parts", value: { parts: [{ part: { case: "text", value: "Shorter." } }] } },
      },
    ],
    temperature: 0.3,
    topP: 0.75,
    maxTokens: 256,
    seed: 42n,
    user: "user-42",
    stream,
    includeUsage: stream,
    extraJson: '{"top_k":40}',
  });
}

/** A plain question. */
export function simpleRequest(
  stream = false,
  extra: Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName"> = {},
): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-public",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });
}
