import { describe, it } from "node:test";
import { rejects } from "./testdata.js";

const user = { role: "user", content: "hi" };
const base = { model: "gpt-4o", messages: [user] };

const withMessage = (message: unknown) => ({ ...base, messages: [user, message] });
const withPart = (part: unknown) => withMessage({ role: "user", content: [part] });

const cases: Array<[string, unknown, string, string]> = [
  ["missing model", { messages: [user] }, "model: required", "model"],
  ["empty model", { ...base, model: "" }, "model: required", "model"],
  ["model not a string", { ...base, model: 4 }, "model: expected a string", "model"],
  ["missing messages", { model: "m" }, "messages: required", "messages"],
  ["messages not an array", { model: "m", messages: "hi" }, "messages: expected an array", "messages"],
  ["no messages", { model: "m", messages: [] }, "messages: expected a non-empty array", "messages"],
  ["message not an object", withMessage("hi"), "messages[1]: expected an object", "messages[1]"],
  ["missing role", withMessage({ content: "x" }), "messages[1].role: required", "messages[1].role"],
  [
    "unknown role",
    withMessage({ role: "robot", content: "x" }),
    'messages[1].role: expected one of "system", "developer", "user", "assistant", "tool", "function"',
    "messages[1].role",
  ],
  ["missing content", withMessage({ role: "user" }), "messages[1].content: required", "messages[1].content"],
  [
    "content a number",
    withMessage({ role: "user", content: 7 }),
    "messages[1].content: expected a string or an array of content parts",
    "messages[1].content",
  ],
  [
    "null user content",
    withMessage({ role: "system", content: null }),
    "messages[1].content: expected a string or an array of content parts",
    "messages[1].content",
  ],
  ["part not an object", withPart("x"), "messages[1].content[0]: expected an object", "messages[1].content[0]"],
  [
    "part without type",
    withPart({ text: "x" }),
    "messages[1].content[0].type: required",
    "messages[1].content[0].type",
  ],
  [
    "text part without text",
    withPart({ type: "text", text: 1 }),
    "messages[1].content[0].text: expected a string",
    "messages[1].content[0].text",
  ],
  [
    "image without url",
    withPart({ type: "image_url", image_url: {} }),
    "messages[1].content[0].image_url.url: required",
    "messages[1].content[0].image_url.url",
  ],
  [
    "image_url a string",
    withPart({ type: "image_url", image_url: "https://x" }),
    "messages[1].content[0].image_url: expected an object",
    "messages[1].content[0].image_url",
  ],
  [
    "audio without format",
    withPart({ type: "input_audio", input_audio: { data: "AAAA" } }),
    "messages[1].content[0].input_audio.format: required",
    "messages[1].content[0].input_audio.format",
  ],
  [
    "file id a number",
    withPart({ type: "file", file: { file_id: 3 } }),
    "messages[1].content[0].file.file_id: expected a string",
    "messages[1].content[0].file.file_id",
  ],
  ["name a number", withMessage({ ...user, name: 1 }), "messages[1].name: expected a string", "messages[1].name"],
  [
    "tool message without tool_call_id",
    withMessage({ role: "tool", content: "x" }),
    "messages[1].tool_call_id: required",
    "messages[1].tool_call_id",
  ],
  [
    "function message without name",
    withMessage({ role: "function", content: "x" }),
    "messages[1].name: required",
    "messages[1].name",
  ],
  [
    "tool_calls not an array",
    withMessage({ role: "assistant", tool_calls: {} }),
    "messages[1].tool_calls: expected an array",
    "messages[1].tool_calls",
  ],
  [
    "tool call without arguments",
    withMessage({ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f" } }] }),
    "messages[1].tool_calls[0].function.arguments: required",
    "messages[1].tool_calls[0].function.arguments",
  ],
  [
    "refusal a bool",
    withMessage({ role: "assistant", refusal: true }),
    "messages[1].refusal: expected a string",
    "messages[1].refusal",
  ],
  [
    "temperature a string",
    { ...base, temperature: "1" },
    "temperature: expected a number between 0 and 2",
    "temperature",
  ],
  [
    "temperature too high",
    { ...base, temperature: 2.5 },
    "temperature: expected a number between 0 and 2",
    "temperature",
  ],
  ["top_p negative", { ...base, top_p: -0.1 }, "top_p: expected a number between 0 and 1", "top_p"],
  [
    "presence_penalty",
    { ...base, presence_penalty: 3 },
    "presence_penalty: expected a number between -2 and 2",
    "presence_penalty",
  ],
  [
    "frequency_penalty",
    { ...base, frequency_penalty: "0" },
    "frequency_penalty: expected a number between -2 and 2",
    "frequency_penalty",
  ],
  [
    "max_tokens fractional",
    { ...base, max_tokens: 1.5 },
    "max_tokens: expected an integer between 0 and 2147483647",
    "max_tokens",
  ],
  [
    "max_completion_tokens negative",
    { ...base, max_completion_tokens: -1 },
    "max_completion_tokens: expected an integer between 0 and 2147483647",
    "max_completion_tokens",
  ],
  ["n zero", { ...base, n: 0 }, "n: expected an integer between 1 and 128", "n"],
  ["seed fractional", { ...base, seed: 1.5 }, "seed: expected a 64-bit integer", "seed"],
  ["seed too large", { ...base, seed: 1e20 }, "seed: expected a 64-bit integer", "seed"],
  ["stop a number", { ...base, stop: 1 }, "stop: expected a string or an array of strings", "stop"],
  ["stop element", { ...base, stop: ["a", 2] }, "stop[1]: expected a string", "stop[1]"],
  ["user a number", { ...base, user: 42 }, "user: expected a string", "user"],
  ["metadata an array", { ...base, metadata: [] }, "metadata: expected an object", "metadata"],
  ["metadata value", { ...base, metadata: { a: 1 } }, "metadata.a: expected a string", "metadata.a"],
  [
    "metadata too many",
    { ...base, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
    "metadata: expected at most 16 pairs",
    "metadata",
  ],
  ["stream a string", { ...base, stream: "true" }, "stream: expected a boolean", "stream"],
  [
    "stream_options a bool",
    { ...base, stream: true, stream_options: true },
    "stream_options: expected an object",
    "stream_options",
  ],
  [
    "include_usage a string",
    { ...base, stream: true, stream_options: { include_usage: "yes" } },
    "stream_options.include_usage: expected a boolean",
    "stream_options.include_usage",
  ],
  ["tools not an array", { ...base, tools: {} }, "tools: expected an array", "tools"],
  ["tool without type", { ...base, tools: [{ function: { name: "f" } }] }, "tools[0].type: required", "tools[0].type"],
  [
    "function tool without function",
    { ...base, tools: [{ type: "function" }] },
    "tools[0].function: required",
    "tools[0].function",
  ],
  [
    "function without name",
    { ...base, tools: [{ type: "function", function: { description: "d" } }] },
    "tools[0].function.name: required",
    "tools[0].function.name",
  ],
  [
    "parameters a string",
    { ...base, tools: [{ type: "function", function: { name: "f", parameters: "{}" } }] },
    "tools[0].function.parameters: expected an object",
    "tools[0].function.parameters",
  ],
  [
    "tool_choice unknown mode",
    { ...base, tool_choice: "any" },
    'tool_choice: expected "none", "auto", "required" or an object naming a tool',
    "tool_choice",
  ],
  [
    "tool_choice function without name",
    { ...base, tool_choice: { type: "function", function: {} } },
    "tool_choice.function.name: required",
    "tool_choice.function.name",
  ],
  [
    "parallel_tool_calls",
    { ...base, parallel_tool_calls: 1 },
    "parallel_tool_calls: expected a boolean",
    "parallel_tool_calls",
  ],
  [
    "response_format a string",
    { ...base, response_format: "json" },
    "response_format: expected an object",
    "response_format",
  ],
  [
    "response_format without type",
    { ...base, response_format: {} },
    "response_format.type: required",
    "response_format.type",
  ],
  [
    "json_schema missing",
    { ...base, response_format: { type: "json_schema" } },
    "response_format.json_schema: required",
    "response_format.json_schema",
  ],
  [
    "json_schema without name",
    { ...base, response_format: { type: "json_schema", json_schema: { schema: {} } } },
    "response_format.json_schema.name: required",
    "response_format.json_schema.name",
  ],
  ["reasoning_effort", { ...base, reasoning_effort: 1 }, "reasoning_effort: expected a string", "reasoning_effort"],
];

describe("parseChatRequest errors", () => {
  for (const [name, body, message, param] of cases) {
    it(`names the field: ${name}`, () => rejects(body, message, param));
  }
});
