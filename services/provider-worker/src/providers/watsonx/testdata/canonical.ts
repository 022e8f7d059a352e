// The canonical requests whose watsonx.ai translations are request.json / request-stream.json (shared by the specs).

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** A tool-using conversation with an image, a developer message, and most sampling fields. */
export function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "granite-public",
    messages: [
      { role: Role.DEVELOPER, content: { case: "text", value: "You are terse." } },
      {
        role: Role.USER,
        content: {
          case: "parts",
          value: {
            parts: [
              { part: { case: "text", value: "What is in this image?" } },
              { part: { case: "imageUrl", value: { url: "data:image/png;base64,iVBORw0KGgo=" } } },
            ],
          },
        },
      },
      {
        role: Role.ASSISTANT,
        content: { case: "text", value: "" },
        toolCalls: [{ id: "chatcmpl-tool-1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }],
      },
      { role: Role.TOOL, toolCallId: "chatcmpl-tool-1", content: { case: "text", value: "a cat" } },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "lookup",
          description: "Search",
          parametersJson: '{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}',
        },
      },
    ],
    toolChoice: { choice: { case: "mode", value: "auto" } },
    temperature: 0.3,
    topP: 0.75,
    maxCompletionTokens: 256,
    stop: ["\n\n"],
    seed: 42n,
    frequencyPenalty: 0.1,
    user: "user-42",
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
    model: "granite-public",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });
}
