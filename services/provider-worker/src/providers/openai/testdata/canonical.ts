// The canonical request whose OpenAI translation is request.json / request-stream.json (shared by the specs).

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** A request using most modelled fields plus unmodelled ones that must pass through in extra_json. */
export function richRequest(stream = false, includeUsage = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "gpt-public",
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
        toolCalls: [{ id: "call_abc", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }],
      },
      { role: Role.TOOL, toolCallId: "call_abc", content: { case: "text", value: "a cat" } },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "lookup",
          description: "Search",
          parametersJson: '{"type":"object","properties":{"q":{"type":"string"}}}',
        },
      },
    ],
    toolChoice: { choice: { case: "mode", value: "auto" } },
    temperature: 0.5,
    maxCompletionTokens: 256,
    seed: 42n,
    user: "user-42",
    stream,
    includeUsage,
    extraJson: '{"logprobs":true,"top_logprobs":2,"store":false}',
  });
}
