// The canonical requests whose Ollama translations are request.json / request-stream.json (shared by the specs).

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** A tool-using conversation with an inline image, JSON-schema output, sampling options and Ollama's own fields. */
export function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-public",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
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
        toolCalls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }],
      },
      { role: Role.TOOL, toolCallId: "call_1", content: { case: "text", value: "a cat" } },
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
    responseFormat: {
      type: "json_schema",
      jsonSchema: { name: "answer", schemaJson: '{"type":"object","properties":{"a":{"type":"string"}}}' },
    },
    temperature: 0.3,
    topP: 0.75,
    maxTokens: 256,
    stop: ["\n\n"],
    seed: 42n,
    user: "user-42",
    stream,
    includeUsage: stream,
    extraJson: '{"top_k":40,"keep_alive":"5m"}',
  });
}

/** A plain question. */
export function simpleRequest(stream = false, extra: Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName"> = {}): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-public",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });
}
