import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { parseCountTokensRequest, parseMessagesRequest } from "./anthropic-request.js";
import { renderAnthropicError } from "./anthropic-response.js";

const { Role } = llm;
const user = { role: "user", content: "hi" };
const base = { model: "claude", max_tokens: 100, messages: [user] };
const PDF = "JVBERi0xLjQK";
const PNG = "iVBORw0KGgo=";

describe("parseMessagesRequest", () => {
  it("translates every modelled field", () => {
    const req = parseMessagesRequest({
      model: "claude",
      max_tokens: 256,
      system: "Be brief.",
      messages: [user],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ["END", "STOP"],
      metadata: { user_id: "u-1" },
      stream: true,
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
    assert.equal(req.model, "claude");
    assert.equal(req.maxTokens, 256);
    assert.equal(req.temperature, 0.5);
    assert.equal(req.topP, 0.9);
    assert.deepEqual(JSON.parse(req.extraJson), { top_k: 40 });
    assert.deepEqual(req.stop, ["END", "STOP"]);
    assert.equal(req.user, "u-1");
    assert.equal(req.stream, true);
    assert.equal(req.includeUsage, true);
    assert.equal(req.reasoningEffort, "medium");
    assert.equal(req.messages.length, 2);
    assert.equal(req.messages[0]?.role, Role.SYSTEM);
    assert.deepEqual(req.messages[0]?.content, { case: "text", value: "Be brief." });
    assert.deepEqual(req.messages[1]?.content, { case: "text", value: "hi" });
    assert.deepEqual(req.fallbacks, []);
  });

  it("maps thinking budgets to reasoning efforts, and disabled thinking to none", () => {
    const effort = (thinking: unknown) => parseMessagesRequest({ ...base, thinking }).reasoningEffort;
    assert.equal(effort({ type: "enabled", budget_tokens: 1024 }), "low");
    assert.equal(effort({ type: "enabled", budget_tokens: 3000 }), "medium");
    assert.equal(effort({ type: "enabled", budget_tokens: 10000 }), "high");
    assert.equal(effort({ type: "disabled" }), undefined);
    assert.equal(effort({ type: "adaptive", display: "summarized" }), "medium");
    const configured = (output_config: unknown, thinking?: unknown) =>
      parseMessagesRequest({ ...base, output_config, thinking }).reasoningEffort;
    assert.equal(configured({ effort: "low" }, { type: "adaptive" }), "low");
    assert.equal(configured({ effort: "max" }), "high");
    assert.equal(configured({ effort: "xhigh" }, { type: "enabled", budget_tokens: 1024 }), "high");
    assert.equal(configured({ effort: "high" }, { type: "disabled" }), undefined);
    assert.equal(parseMessagesRequest(base).reasoningEffort, undefined);
  });

  it("keeps system blocks with cache_control as parts", () => {
    const req = parseMessagesRequest({
      ...base,
      system: [
        { type: "text", text: "A" },
        { type: "text", text: "B", cache_control: { type: "ephemeral" } },
      ],
    });
    const content = req.messages[0]?.content;
    assert.equal(content?.case, "parts");
    const parts = content?.case === "parts" ? content.value.parts : [];
    assert.deepEqual(
      parts.map((p) => p.part.value),
      ["A", "B"],
    );
    assert.deepEqual(JSON.parse(parts[1]!.extraJson), { cache_control: { type: "ephemeral" } });
  });

  it("translates images (base64 and URL) and documents (PDF and text)", () => {
    const req = parseMessagesRequest({
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: PDF } },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "plain" } },
            { type: "text", text: "what is this?" },
          ],
        },
      ],
    });
    const content = req.messages[0]!.content;
    assert.equal(content.case, "parts");
    const parts = content.case === "parts" ? content.value.parts.map((p) => p.part) : [];
    assert.deepEqual(parts[0], {
      case: "imageUrl",
      value: { $typeName: "switchyard.llm.v1.ImageUrl", url: `data:image/png;base64,${PNG}` },
    });
    assert.equal(parts[1]?.case === "imageUrl" && parts[1].value.url, "https://example.com/a.jpg");
    assert.equal(parts[2]?.case === "file" && parts[2].value.fileData, `data:application/pdf;base64,${PDF}`);
    assert.equal(parts[2]?.case === "file" && parts[2].value.filename, "document.pdf");
    assert.deepEqual(parts[3], { case: "text", value: "plain" });
    assert.deepEqual(parts[4], { case: "text", value: "what is this?" });
  });

  it("turns tool_use into tool calls and tool_result into tool messages before the rest of the turn", () => {
    const req = parseMessagesRequest({
      ...base,
      messages: [
        user,
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "text", text: "Let me look." },
            { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "found", is_error: false },
            { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "a" }] },
            { type: "text", text: "thanks" },
          ],
        },
      ],
    });
    const [, assistant, tool1, tool2, after] = req.messages;
    assert.equal(assistant?.role, Role.ASSISTANT);
    assert.deepEqual(assistant?.content, { case: "text", value: "Let me look." });
    assert.equal(assistant?.toolCalls[0]?.id, "toolu_1");
    assert.equal(assistant?.toolCalls[0]?.type, "function");
    assert.equal(assistant?.toolCalls[0]?.function?.name, "lookup");
    assert.equal(assistant?.toolCalls[0]?.function?.arguments, '{"q":"x"}');
    assert.equal(tool1?.role, Role.TOOL);
    assert.equal(tool1?.toolCallId, "toolu_1");
    assert.deepEqual(tool1?.content, { case: "text", value: "found" });
    assert.equal(tool2?.toolCallId, "toolu_2");
    assert.deepEqual(tool2?.content, { case: "text", value: "a" });
    assert.equal(after?.role, Role.USER);
    assert.deepEqual(after?.content, { case: "text", value: "thanks" });
  });

  it("translates tools and every tool_choice", () => {
    const tools = [
      {
        name: "lookup",
        description: "Looks up",
        input_schema: { type: "object", properties: { q: { type: "string" } } },
        cache_control: { type: "ephemeral" },
      },
    ];
    const req = parseMessagesRequest({ ...base, tools });
    const fn = req.tools[0]?.function;
    assert.equal(req.tools[0]?.type, "function");
    assert.equal(fn?.name, "lookup");
    assert.equal(fn?.description, "Looks up");
    assert.deepEqual(JSON.parse(fn?.parametersJson ?? ""), tools[0]!.input_schema);
    assert.deepEqual(JSON.parse(req.tools[0]!.extraJson), { cache_control: { type: "ephemeral" } });
    const choice = (tool_choice: unknown) => parseMessagesRequest({ ...base, tools, tool_choice });
    assert.deepEqual(choice({ type: "auto" }).toolChoice?.choice, { case: "mode", value: "auto" });
    assert.deepEqual(choice({ type: "any" }).toolChoice?.choice, { case: "mode", value: "required" });
    assert.deepEqual(choice({ type: "none" }).toolChoice?.choice, { case: "mode", value: "none" });
    assert.deepEqual(choice({ type: "tool", name: "lookup" }).toolChoice?.choice, {
      case: "functionName",
      value: "lookup",
    });
    assert.equal(choice({ type: "auto", disable_parallel_tool_use: true }).parallelToolCalls, false);
    assert.equal(choice({ type: "auto" }).parallelToolCalls, undefined);
  });

  it("lets count_tokens omit max_tokens and never streams it", () => {
    const req = parseCountTokensRequest({ model: "claude", messages: [user], stream: true });
    assert.equal(req.maxTokens, undefined);
    assert.equal(req.stream, false);
  });
});

/** Asserts a body is refused with a 400 naming `param`, and that it renders in Anthropic's error shape. */
function refuses(body: unknown, message: string, param: string): void {
  assert.throws(
    () => parseMessagesRequest(body),
    (err: unknown) => {
      assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
      assert.equal(err.detail.httpStatus, 400);
      assert.equal(err.message, message);
      assert.equal(err.detail.param, param);
      assert.deepEqual(JSON.parse(renderAnthropicError(err.detail)), {
        type: "error",
        error: { type: "invalid_request_error", message },
      });
      return true;
    },
  );
}

const turn = (content: unknown) => ({ ...base, messages: [{ role: "user", content }] });
const block = (b: unknown) => turn([b]);

describe("parseMessagesRequest refuses bad fields, naming them", () => {
  const cases: Array<[string, unknown, string, string]> = [
    ["a body that is not an object", [], "request body: expected a JSON object", ""],
    ["a missing model", { max_tokens: 1, messages: [user] }, "model: required", "model"],
    ["a missing max_tokens", { model: "m", messages: [user] }, "max_tokens: required", "max_tokens"],
    [
      "a zero max_tokens",
      { ...base, max_tokens: 0 },
      "max_tokens: expected an integer between 1 and 2147483647",
      "max_tokens",
    ],
    ["missing messages", { model: "m", max_tokens: 1 }, "messages: required", "messages"],
    ["empty messages", { ...base, messages: [] }, "messages: expected a non-empty array", "messages"],
    [
      "an unknown field",
      { ...base, service_tier: "auto" },
      "service_tier: not supported by the gateway's Messages API",
      "service_tier",
    ],
    [
      "a system role",
      { ...base, messages: [{ role: "system", content: "x" }] },
      'messages[0].role: expected "user" or "assistant"',
      "messages[0].role",
    ],
    [
      "missing content",
      { ...base, messages: [{ role: "user" }] },
      "messages[0].content: required",
      "messages[0].content",
    ],
    [
      "numeric content",
      turn(3),
      "messages[0].content: expected a string or an array of content blocks",
      "messages[0].content",
    ],
    [
      "a block without type",
      block({ text: "x" }),
      "messages[0].content[0].type: required",
      "messages[0].content[0].type",
    ],
    [
      "an unknown user block",
      block({ type: "video" }),
      'messages[0].content[0].type: expected "text", "image", "document" or "tool_result"',
      "messages[0].content[0].type",
    ],
    [
      "a text block without text",
      block({ type: "text" }),
      "messages[0].content[0].text: required",
      "messages[0].content[0].text",
    ],
    [
      "a bad cache_control",
      block({ type: "text", text: "x", cache_control: "yes" }),
      "messages[0].content[0].cache_control: expected an object",
      "messages[0].content[0].cache_control",
    ],
    [
      "an image without source",
      block({ type: "image" }),
      "messages[0].content[0].source: required",
      "messages[0].content[0].source",
    ],
    [
      "an image of a bad type",
      block({ type: "image", source: { type: "base64", media_type: "image/bmp", data: "x" } }),
      "messages[0].content[0].source.media_type: expected one of image/jpeg, image/png, image/gif, image/webp",
      "messages[0].content[0].source.media_type",
    ],
    [
      "an image source of a bad kind",
      block({ type: "image", source: { type: "file", file_id: "f" } }),
      'messages[0].content[0].source.type: expected "base64" or "url"',
      "messages[0].content[0].source.type",
    ],
    [
      "a URL image without url",
      block({ type: "image", source: { type: "url" } }),
      "messages[0].content[0].source.url: required",
      "messages[0].content[0].source.url",
    ],
    [
      "a document that is not a PDF",
      block({ type: "document", source: { type: "base64", media_type: "text/csv", data: "x" } }),
      'messages[0].content[0].source.media_type: expected "application/pdf"',
      "messages[0].content[0].source.media_type",
    ],
    [
      "a document by URL",
      block({ type: "document", source: { type: "url", url: "https://x" } }),
      'messages[0].content[0].source.type: expected "base64" (a PDF) or "text"',
      "messages[0].content[0].source.type",
    ],
    [
      "a tool_result without id",
      block({ type: "tool_result", content: "x" }),
      "messages[0].content[0].tool_use_id: required",
      "messages[0].content[0].tool_use_id",
    ],
    [
      "a tool_result with a bad is_error",
      block({ type: "tool_result", tool_use_id: "t", is_error: "no" }),
      "messages[0].content[0].is_error: expected a boolean",
      "messages[0].content[0].is_error",
    ],
    [
      "a tool_result with a document",
      block({ type: "tool_result", tool_use_id: "t", content: [{ type: "document" }] }),
      'messages[0].content[0].content[0].type: expected "text" or "image"',
      "messages[0].content[0].content[0].type",
    ],
    [
      "a tool_use without input",
      { ...base, messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "n" }] }] },
      "messages[0].content[0].input: required",
      "messages[0].content[0].input",
    ],
    [
      "an unknown assistant block",
      { ...base, messages: [{ role: "assistant", content: [{ type: "image" }] }] },
      'messages[0].content[0].type: expected "text", "tool_use", "thinking" or "redacted_thinking"',
      "messages[0].content[0].type",
    ],
    [
      "a system that is a number",
      { ...base, system: 1 },
      "system: expected a string or an array of text blocks",
      "system",
    ],
    [
      "a system block that is no text",
      { ...base, system: [{ type: "image" }] },
      'system[0].type: expected "text"',
      "system[0].type",
    ],
    [
      "a temperature above 1",
      { ...base, temperature: 1.5 },
      "temperature: expected a number between 0 and 1",
      "temperature",
    ],
    ["a bad top_p", { ...base, top_p: -1 }, "top_p: expected a number between 0 and 1", "top_p"],
    ["a fractional top_k", { ...base, top_k: 1.5 }, "top_k: expected an integer between 0 and 2147483647", "top_k"],
    [
      "a stop sequence that is no string",
      { ...base, stop_sequences: ["a", 1] },
      "stop_sequences[1]: expected a string",
      "stop_sequences[1]",
    ],
    [
      "stop_sequences that is a string",
      { ...base, stop_sequences: "a" },
      "stop_sequences: expected an array",
      "stop_sequences",
    ],
    [
      "an unknown metadata key",
      { ...base, metadata: { team: "x" } },
      "metadata.team: not supported (only user_id is)",
      "metadata.team",
    ],
    [
      "a numeric user_id",
      { ...base, metadata: { user_id: 1 } },
      "metadata.user_id: expected a string",
      "metadata.user_id",
    ],
    ["a non-boolean stream", { ...base, stream: "yes" }, "stream: expected a boolean", "stream"],
    [
      "a server tool",
      { ...base, tools: [{ type: "web_search_20250305", name: "web_search" }] },
      'tools[0].type: "web_search_20250305" is a server tool the gateway cannot run',
      "tools[0].type",
    ],
    [
      "a tool without input_schema",
      { ...base, tools: [{ name: "f" }] },
      "tools[0].input_schema: required",
      "tools[0].input_schema",
    ],
    ["a tool without name", { ...base, tools: [{ input_schema: {} }] }, "tools[0].name: required", "tools[0].name"],
    [
      "an unknown tool_choice",
      { ...base, tool_choice: { type: "required" } },
      'tool_choice.type: expected "auto", "any", "tool" or "none"',
      "tool_choice.type",
    ],
    [
      "a tool choice without name",
      { ...base, tool_choice: { type: "tool" } },
      "tool_choice.name: required",
      "tool_choice.name",
    ],
    [
      "a bad disable_parallel_tool_use",
      { ...base, tool_choice: { type: "auto", disable_parallel_tool_use: 1 } },
      "tool_choice.disable_parallel_tool_use: expected a boolean",
      "tool_choice.disable_parallel_tool_use",
    ],
    [
      "an unknown thinking type",
      { ...base, thinking: { type: "on" } },
      'thinking.type: expected "enabled", "adaptive" or "disabled"',
      "thinking.type",
    ],
    [
      "an unknown effort",
      { ...base, output_config: { effort: "extreme" } },
      'output_config.effort: expected "low", "medium", "high", "xhigh" or "max"',
      "output_config.effort",
    ],
    [
      "a structured output format",
      { ...base, output_config: { format: { type: "json_schema" } } },
      "output_config.format: not supported (only effort is)",
      "output_config.format",
    ],
    [
      "a thinking budget below 1024",
      { ...base, thinking: { type: "enabled", budget_tokens: 10 } },
      "thinking.budget_tokens: expected an integer between 1024 and 2147483647",
      "thinking.budget_tokens",
    ],
    [
      "thinking without budget",
      { ...base, thinking: { type: "enabled" } },
      "thinking.budget_tokens: required",
      "thinking.budget_tokens",
    ],
  ];
  for (const [name, body, message, param] of cases) {
    it(`refuses ${name}`, () => refuses(body, message, param));
  }
});
