// The canonical request whose SageMaker body is request.json (shared by the specs).

import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";

const { Role } = llm;

/** The canonical request whose body is testdata/request.json (request-stream.json when streamed). */
export function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama-on-sagemaker",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
      { role: Role.USER, content: { case: "text", value: "What's the weather in Paris?" } },
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
    temperature: 0.2,
    maxTokens: 256,
    stop: ["END"],
    stream,
    includeUsage: false,
    extraJson: '{"top_k":40}',
  });
}
