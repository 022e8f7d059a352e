// The canonical requests whose Replicate translation is request.json (and smaller ones), shared by the specs.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;
const text = (value: string) => ({ case: "text" as const, value });

/** A multi-turn conversation with a developer and a system message, sampling fields and Replicate's own `top_k`. */
export function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-70b",
    messages: [
      { role: Role.DEVELOPER, content: text("You are terse.") },
      { role: Role.SYSTEM, content: text("Answer in one word.") },
      { role: Role.USER, content: text("What is the capital of France?") },
      { role: Role.ASSISTANT, content: text("Paris.") },
      { role: Role.USER, content: text("And of Italy?") },
    ],
    temperature: 0.3,
    topP: 0.75,
    maxCompletionTokens: 256,
    stop: ["\n\n", "User:"],
    seed: 42n,
    presencePenalty: 0.1,
    user: "user-42",
    extraJson: '{"top_k": 40}',
    stream,
    includeUsage: stream,
  });
}

/** A plain question. */
export function simpleRequest(
  stream = false,
  extra: Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName"> = {},
): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-70b",
    messages: [{ role: Role.USER, content: text("Hello") }],
    stream,
    ...extra,
  });
}
