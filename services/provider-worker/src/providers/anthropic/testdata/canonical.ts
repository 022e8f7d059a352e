// The canonical request whose Anthropic translation is request.json (shared by the specs).

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** The canonical request whose translation is testdata/request.json. */
export function richRequest(): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "claude",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
      { role: Role.DEVELOPER, content: { case: "text", value: "Answer in English." } },
      {
        role: Role.USER,
        content: {
          case: "parts",
          value: {
            parts: [
              { part: { case: "text", value: "What's the weather in Paris?" } },
              { part: { case: "imageUrl", value: { url: "data:image/png;base64,iVBORw0KGgo=" } } },
              {
                part: { case: "imageUrl", value: { url: "https://example.com/cat.jpg", detail: "high" } },
                extraJson: '{"cache_control":{"type":"ephemeral"}}',
              },
            ],
          },
        },
      },
      {
        role: Role.ASSISTANT,
        content: { case: "text", value: "Checking." },
        toolCalls: [
          {
            id: "toolu_01A09q90qw90lq917835lq9",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: Role.TOOL, toolCallId: "toolu_01A09q90qw90lq917835lq9", content: { case: "text", value: "18°C and sunny" } },
      {
        role: Role.USER,
        content: {
          case: "parts",
          value: {
            parts: [
              { part: { case: "text", value: "Thanks. Summarise this PDF too." } },
              { part: { case: "file", value: { fileData: "data:application/pdf;base64,JVBERi0xLjQK", filename: "a.pdf" } } },
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
    parallelToolCalls: false,
    stop: ["END"],
    temperature: 0.2,
    topP: 0.9,
    maxTokens: 512,
    user: "user-42",
  });
}
