// The canonical request whose Gemini translation is request.json (shared by the Gemini and Vertex AI specs).

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** The canonical request whose translation is testdata/request.json. */
export function richRequest(): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "gemini",
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
              { part: { case: "imageUrl", value: { url: "https://example.com/cat.jpg", detail: "high" } } },
            ],
          },
        },
      },
      {
        role: Role.ASSISTANT,
        content: { case: "text", value: "Checking." },
        toolCalls: [
          {
            id: "call_7c1b__thought__CiQBVKhc7sig",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: Role.TOOL, toolCallId: "call_7c1b__thought__CiQBVKhc7sig", content: { case: "text", value: "18°C and sunny" } },
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
          parametersJson: JSON.stringify({
            $schema: "http://json-schema.org/draft-07/schema#",
            type: "object",
            additionalProperties: false,
            properties: {
              city: { type: "string", description: "City name" },
              unit: { type: ["string", "null"], enum: ["c", "f"] },
            },
            required: ["city"],
          }),
        },
      },
    ],
    toolChoice: { choice: { case: "mode", value: "auto" } },
    stop: ["END"],
    temperature: 0.2,
    topP: 0.9,
    maxTokens: 512,
    user: "user-42",
    extraJson: '{"top_k":40}',
  });
}
