// The canonical request whose Converse translation is request.json (shared by the specs).

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** The canonical request whose translation is testdata/request.json. */
export function richRequest(): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "claude-on-bedrock",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
      {
        role: Role.DEVELOPER,
        content: {
          case: "parts",
          value: {
            parts: [{ part: { case: "text", value: "Answer in English." }, extraJson: '{"cache_control":{"type":"ephemeral"}}' }],
          },
        },
      },
      {
        role: Role.USER,
        content: {
          case: "parts",
          value: {
            parts: [
              { part: { case: "text", value: "What's the weather in Paris?" } },
              { part: { case: "imageUrl", value: { url: "data:image/png;base64,iVBORw0KGgo=" } } },
            ],
          },
        },
      },
      {
        role: Role.ASSISTANT,
        content: { case: "text", value: "Checking." },
        toolCalls: [
          {
            id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: Role.TOOL, toolCallId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", content: { case: "text", value: "18°C and sunny" } },
      {
        role: Role.USER,
        content: {
          case: "parts",
          value: {
            parts: [
              { part: { case: "text", value: "Thanks. Summarise this PDF too." } },
              { part: { case: "file", value: { fileData: "data:application/pdf;base64,JVBERi0xLjQK", filename: "Q3 report.pdf" } } },
            ],
          },
        },
      },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parametersJson: '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}',
        },
      },
    ],
    toolChoice: { choice: { case: "mode", value: "auto" } },
    stop: ["END"],
    temperature: 0.2,
    topP: 0.9,
    maxTokens: 512,
    user: "user-42",
    extraJson: '{"top_k":40,"guardrailConfig":{"guardrailIdentifier":"gr-1","guardrailVersion":"1"}}',
  });
}
