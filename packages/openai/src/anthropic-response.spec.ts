import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  anthropicErrorType,
  anthropicMessageId,
  anthropicUsage,
  renderAnthropicError,
  renderAnthropicMessage,
} from "./anthropic-response.js";
import { AnthropicStreamEncoder, anthropicErrorEvent } from "./anthropic-stream.js";

const request = { model: "claude-group", stop: ["END"] };

function completion(message: MessageInitShape<typeof llm.AssistantMessageSchema>, finishReason: string, extra = "") {
  return create(llm.ChatCompletionSchema, {
    id: "chatcmpl-abc123",
    model: "gpt-4o-2024",
    choices: [{ index: 0, message, finishReason, extraJson: extra }],
    usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120, cachedTokens: 30, cacheCreationTokens: 10 },
  });
}

describe("renderAnthropicMessage", () => {
  it("renders text, thinking and tool_use blocks with Anthropic's usage", () => {
    const json = JSON.parse(
      renderAnthropicMessage(
        completion(
          {
            content: "Hello",
            reasoningContent: "Let me think",
            toolCalls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }],
          },
          "tool_calls",
        ),
        request,
      ),
    );
    assert.deepEqual(json, {
      id: "msg_abc123",
      type: "message",
      role: "assistant",
      model: "gpt-4o-2024",
      content: [
        { type: "thinking", thinking: "Let me think", signature: "" },
        { type: "text", text: "Hello" },
        { type: "tool_use", id: "call_1", name: "lookup", input: { q: "x" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 60, output_tokens: 20, cache_creation_input_tokens: 10, cache_read_input_tokens: 30 },
    });
  });

  it("maps every finish reason to a stop reason", () => {
    const stop = (finish: string, extra = "") =>
      JSON.parse(renderAnthropicMessage(completion({ content: "x" }, finish, extra), request));
    assert.equal(stop("stop").stop_reason, "end_turn");
    assert.equal(stop("length").stop_reason, "max_tokens");
    assert.equal(stop("tool_calls").stop_reason, "tool_use");
    assert.equal(stop("function_call").stop_reason, "tool_use");
    assert.equal(stop("content_filter").stop_reason, "refusal");
    const matched = stop("stop", '{"stop_reason":"END"}');
    assert.equal(matched.stop_reason, "stop_sequence");
    assert.equal(matched.stop_sequence, "END");
    assert.equal(stop("stop", '{"stop_reason":"OTHER"}').stop_reason, "end_turn");
  });

  it("keeps an Anthropic upstream's message id and falls back to the requested model", () => {
    assert.equal(anthropicMessageId("chatcmpl-msg_01XYZ"), "msg_01XYZ");
    assert.equal(anthropicMessageId("abc"), "msg_abc");
    const c = completion({ content: "x" }, "stop");
    c.model = "";
    assert.equal(JSON.parse(renderAnthropicMessage(c, request)).model, "claude-group");
  });

  it("reads absent usage as zeros and invalid tool arguments as an empty input", () => {
    assert.deepEqual(anthropicUsage(undefined), {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    const json = JSON.parse(
      renderAnthropicMessage(
        completion(
          { toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: "not json" } }] },
          "tool_calls",
        ),
        request,
      ),
    );
    assert.deepEqual(json.content, [{ type: "tool_use", id: "c", name: "f", input: {} }]);
  });
});

describe("Anthropic errors", () => {
  it("names the error type of every status", () => {
    const types = [400, 401, 403, 404, 413, 429, 500, 502, 503, 504, 529].map(anthropicErrorType);
    assert.deepEqual(types, [
      "invalid_request_error",
      "authentication_error",
      "permission_error",
      "not_found_error",
      "request_too_large",
      "rate_limit_error",
      "api_error",
      "api_error",
      "overloaded_error",
      "api_error",
      "overloaded_error",
    ]);
  });

  it("renders the error body and the stream's error event", () => {
    const err = new GatewayError({ class: llm.ErrorClass.RATE_LIMITED, message: "slow down" });
    assert.deepEqual(JSON.parse(renderAnthropicError(err.detail)), {
      type: "error",
      error: { type: "rate_limit_error", message: "slow down" },
    });
    assert.equal(
      anthropicErrorEvent(err.detail),
      'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}\n\n',
    );
  });
});

type ChunkInit = MessageInitShape<typeof llm.ChatCompletionChunkSchema>;
const chunk = (init: Pick<ChunkInit, "choices" | "usage">) =>
  create(llm.ChatCompletionChunkSchema, { id: "chatcmpl-s1", model: "gpt-4o-2024", ...init });
const delta = (d: MessageInitShape<typeof llm.DeltaSchema>, finishReason?: string) =>
  chunk({ choices: [{ index: 0, delta: d, finishReason }] });

/** Parses SSE frames back into [event, data] pairs, checking each frame's `type` matches its event name. */
function events(frames: string[]): Array<[string, Record<string, unknown>]> {
  return frames
    .join("")
    .split("\n\n")
    .filter((f) => f !== "")
    .map((frame) => {
      const match = /^event: (\w+)\ndata: (.*)$/s.exec(frame);
      assert.ok(match, `bad frame ${frame}`);
      const data = JSON.parse(match[2]!) as Record<string, unknown>;
      assert.equal(data.type, match[1]);
      return [match[1]!, data];
    });
}

describe("AnthropicStreamEncoder", () => {
  it("frames thinking, text and tool calls as content blocks, then the stop reason and usage", () => {
    const encoder = new AnthropicStreamEncoder(request, 42);
    const frames = [
      ...encoder.push(delta({ role: "assistant", content: "" })),
      ...encoder.push(delta({ reasoningContent: "hmm" })),
      ...encoder.push(delta({ content: "Hi" })),
      ...encoder.push(delta({ content: " there" })),
      ...encoder.push(
        delta({ toolCalls: [{ index: 0, id: "call_1", type: "function", name: "lookup", arguments: "" }] }),
      ),
      ...encoder.push(delta({ toolCalls: [{ index: 0, arguments: '{"q":' }] })),
      ...encoder.push(delta({ toolCalls: [{ index: 0, arguments: '"x"}' }] })),
      ...encoder.push(delta({ toolCalls: [{ index: 1, id: "call_2", name: "other", arguments: "{}" }] })),
      ...encoder.push(delta({}, "tool_calls")),
      ...encoder.push(chunk({ usage: { promptTokens: 50, completionTokens: 7, cachedTokens: 5 } })),
      ...encoder.finish(),
    ];
    assert.deepEqual(events(frames), [
      [
        "message_start",
        {
          type: "message_start",
          message: {
            id: "msg_s1",
            type: "message",
            role: "assistant",
            model: "gpt-4o-2024",
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 42, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
          },
        },
      ],
      ["ping", { type: "ping" }],
      [
        "content_block_start",
        { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } },
      ],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hi" } }],
      ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: " there" } }],
      ["content_block_stop", { type: "content_block_stop", index: 1 }],
      [
        "content_block_start",
        {
          type: "content_block_start",
          index: 2,
          content_block: { type: "tool_use", id: "call_1", name: "lookup", input: {} },
        },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"q":' } },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '"x"}' } },
      ],
      ["content_block_stop", { type: "content_block_stop", index: 2 }],
      [
        "content_block_start",
        {
          type: "content_block_start",
          index: 3,
          content_block: { type: "tool_use", id: "call_2", name: "other", input: {} },
        },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 3, delta: { type: "input_json_delta", partial_json: "{}" } },
      ],
      ["content_block_stop", { type: "content_block_stop", index: 3 }],
      [
        "message_delta",
        {
          type: "message_delta",
          delta: { stop_reason: "tool_use", stop_sequence: null },
          usage: { input_tokens: 45, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 5 },
        },
      ],
      ["message_stop", { type: "message_stop" }],
    ]);
  });

  it("opens and closes the message even when the stream had no chunks", () => {
    const names = events(new AnthropicStreamEncoder(request, 1).finish()).map(([name]) => name);
    assert.deepEqual(names, ["message_start", "ping", "message_delta", "message_stop"]);
  });

  it("reports a max_tokens stop", () => {
    const encoder = new AnthropicStreamEncoder(request, 1);
    const frames = [...encoder.push(delta({ content: "cut" }, "length")), ...encoder.finish()];
    const last = events(frames).find(([name]) => name === "message_delta")?.[1];
    assert.deepEqual(last?.delta, { stop_reason: "max_tokens", stop_sequence: null });
  });
});
