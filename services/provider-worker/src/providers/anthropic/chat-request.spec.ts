import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { fixture, testDeployment } from "../testkit.js";
import { DEFAULT_MAX_TOKENS, toMessagesRequest } from "./chat-request.js";
import { richRequest } from "./testdata/canonical.js";

const { Role } = llm;
type RequestInit = MessageInitShape<typeof llm.ChatCompletionRequestSchema>;

const dep = testDeployment("anthropic", { model: "claude-sonnet-4-20250514" });

function simple(init: RequestInit = {}): llm.ChatCompletionRequest {
  const req = create(llm.ChatCompletionRequestSchema, init);
  req.model = "claude";
  if (req.messages.length === 0) {
    req.messages = [create(llm.MessageSchema, { role: Role.USER, content: { case: "text", value: "hi" } })];
  }
  return req;
}

function rejects(fn: () => unknown, message: RegExp, param: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
    assert.match(err.message, message);
    assert.equal(err.detail.param, param);
    assert.equal(err.detail.provider, "anthropic");
    return true;
  });
}

describe("anthropic toMessagesRequest", () => {
  it("produces exactly the recorded request body", () => {
    const expected: unknown = JSON.parse(fixture(import.meta.url, "request.json"));
    assert.deepEqual(toMessagesRequest(richRequest(), dep, false), expected);
  });

  it("sends a lone text turn as a string", () => {
    assert.deepEqual(toMessagesRequest(simple(), dep, false).messages, [{ role: "user", content: "hi" }]);
  });

  it("adds stream: true for streams", () => {
    assert.equal(toMessagesRequest(simple(), dep, true).stream, true);
    assert.equal(toMessagesRequest(simple(), dep, false).stream, undefined);
  });

  it("defaults max_tokens, preferring max_completion_tokens, then the deployment's max_tokens", () => {
    assert.equal(toMessagesRequest(simple(), dep, false).max_tokens, DEFAULT_MAX_TOKENS);
    assert.equal(toMessagesRequest(simple({ maxTokens: 10, maxCompletionTokens: 20 }), dep, false).max_tokens, 20);
    const configured = testDeployment("anthropic", { params: { max_tokens: 8192 } });
    assert.equal(toMessagesRequest(simple(), configured, false).max_tokens, 8192);
  });

  it("merges consecutive same-role messages and groups tool results in one user turn", () => {
    const body = toMessagesRequest(
      simple({
        messages: [
          { role: Role.USER, content: { case: "text", value: "a" } },
          { role: Role.USER, content: { case: "text", value: "b" } },
          {
            role: Role.ASSISTANT,
            toolCalls: [
              { id: "t1", type: "function", function: { name: "f", arguments: "" } },
              { id: "t2", type: "function", function: { name: "g", arguments: '{"x":1}' } },
            ],
          },
          { role: Role.TOOL, toolCallId: "t1", content: { case: "text", value: "r1" } },
          { role: Role.TOOL, toolCallId: "t2", content: { case: "text", value: "r2" } },
        ],
      }),
      dep,
      false,
    );
    assert.deepEqual(body.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "t1", name: "f", input: {} },
          { type: "tool_use", id: "t2", name: "g", input: { x: 1 } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "r1" },
          { type: "tool_result", tool_use_id: "t2", content: "r2" },
        ],
      },
    ]);
  });

  it("keeps system blocks when one carries cache_control", () => {
    const body = toMessagesRequest(
      simple({
        messages: [
          {
            role: Role.SYSTEM,
            content: {
              case: "parts",
              value: {
                parts: [{ part: { case: "text", value: "long" }, extraJson: '{"cache_control":{"type":"ephemeral"}}' }],
              },
            },
          },
          { role: Role.USER, content: { case: "text", value: "hi" } },
        ],
      }),
      dep,
      false,
    );
    assert.deepEqual(body.system, [{ type: "text", text: "long", cache_control: { type: "ephemeral" } }]);
  });

  it("maps every tool_choice", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    const choice = (c: RequestInit["toolChoice"]) =>
      toMessagesRequest(simple({ tools, toolChoice: c }), dep, false).tool_choice;
    assert.deepEqual(choice({ choice: { case: "mode", value: "auto" } }), { type: "auto" });
    assert.deepEqual(choice({ choice: { case: "mode", value: "required" } }), { type: "any" });
    assert.deepEqual(choice({ choice: { case: "mode", value: "none" } }), { type: "none" });
    assert.deepEqual(choice({ choice: { case: "functionName", value: "f" } }), { type: "tool", name: "f" });
    assert.equal(choice(undefined), undefined);
    const body = toMessagesRequest(simple({ tools }), dep, false);
    assert.deepEqual(body.tools, [{ name: "f", input_schema: { type: "object", properties: {} } }]);
  });

  it("refuses invalid tool call arguments, naming the field", () => {
    const req = simple({
      messages: [
        { role: Role.USER, content: { case: "text", value: "hi" } },
        {
          role: Role.ASSISTANT,
          toolCalls: [{ id: "t", type: "function", function: { name: "f", arguments: "{nope" } }],
        },
      ],
    });
    rejects(
      () => toMessagesRequest(req, dep, false),
      /must be a JSON object/,
      "messages[1].tool_calls[0].function.arguments",
    );
  });

  for (const [name, init, param] of [
    ["n", { n: 2 }, "n"],
    ["json_schema", { responseFormat: { type: "json_schema" } }, "response_format"],
    ["presence_penalty", { presencePenalty: 0.5 }, "presence_penalty"],
    ["frequency_penalty", { frequencyPenalty: 0.5 }, "frequency_penalty"],
    ["seed", { seed: 7n }, "seed"],
    ["logprobs", { extraJson: '{"logprobs":true}' }, "logprobs"],
  ] as const) {
    it(`refuses ${name} unless drop_params is set`, () => {
      rejects(
        () => toMessagesRequest(simple(init), dep, false),
        new RegExp(`anthropic does not support parameter "${param}"`),
        param,
      );
      const dropping = testDeployment("anthropic", { params: { drop_params: true } });
      const body = toMessagesRequest(simple(init), dropping, false);
      assert.deepEqual(Object.keys(body).sort(), ["max_tokens", "messages", "model"]);
    });
  }

  it("forwards Anthropic-native extra fields and harmless defaults", () => {
    const body = toMessagesRequest(
      simple({ extraJson: '{"top_k":5,"logprobs":false}', n: 1, presencePenalty: 0 }),
      dep,
      false,
    );
    assert.equal(body.top_k, 5);
    assert.equal(body.logprobs, undefined);
  });

  it("maps reasoning_effort to a thinking budget below max_tokens", () => {
    const body = toMessagesRequest(simple({ reasoningEffort: "high" }), dep, false);
    assert.deepEqual(body.thinking, { type: "enabled", budget_tokens: 4096 });
    assert.equal(body.max_tokens, 4096 + DEFAULT_MAX_TOKENS);
    rejects(
      () => toMessagesRequest(simple({ reasoningEffort: "low", maxTokens: 500 }), dep, false),
      /thinking budget/,
      "max_tokens",
    );
  });

  it("refuses parts Anthropic cannot take", () => {
    const audio = simple({
      messages: [
        {
          role: Role.USER,
          content: {
            case: "parts",
            value: { parts: [{ part: { case: "inputAudio", value: { data: "AA==", format: "wav" } } }] },
          },
        },
      ],
    });
    rejects(() => toMessagesRequest(audio, dep, false), /does not support this content part/, "messages[0].content[0]");
    const gopher = simple({
      messages: [
        {
          role: Role.USER,
          content: { case: "parts", value: { parts: [{ part: { case: "imageUrl", value: { url: "ftp://x" } } }] } },
        },
      ],
    });
    rejects(
      () => toMessagesRequest(gopher, dep, false),
      /http\(s\) URL or a base64 data URL/,
      "messages[0].content[0].image_url.url",
    );
  });
});
