// The canonical requests whose Cohere translations are request.json / request-stream.json (shared by the specs).

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** A tool-using conversation with most modelled fields, Cohere's own `k` and `safety_mode`, and `user` (left out). */
export function richRequest(stream = false, includeUsage = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "command-public",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
      {
        role: Role.USER,
        content: {
          case: "parts",
          value: {
            parts: [
              { part: { case: "text", value: "What is in this image?" } },
              { part: { case: "imageUrl", value: { url: "https://example.com/cat.jpg", detail: "low" } } },
            ],
          },
        },
      },
      {
        role: Role.ASSISTANT,
        content: { case: "text", value: "I will look it up." },
        toolCalls: [{ id: "lookup_8f2k1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }],
      },
      { role: Role.TOOL, toolCallId: "lookup_8f2k1", content: { case: "text", value: "a cat" } },
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
    toolChoice: { choice: { case: "mode", value: "required" } },
    temperature: 0.3,
    topP: 0.75,
    maxTokens: 256,
    stop: ["\n\n"],
    seed: 42n,
    frequencyPenalty: 0.1,
    presencePenalty: 0.2,
    user: "user-42",
    stream,
    includeUsage,
    extraJson: '{"k":40,"safety_mode":"CONTEXTUAL"}',
  });
}

/** A plain question. */
export function simpleRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "command-public",
    messages: [{ role: Role.USER, content: { case: "text", value: "What is an LLM?" } }],
    stream,
  });
}
