import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { fixture, testDeployment } from "../testkit.js";
import { chatUrl, cohereHeaders } from "./api.js";
import { toCohereChatRequest } from "./chat-request.js";
import { richRequest, simpleRequest } from "./testdata/canonical.js";

const dep = testDeployment("cohere", { model: "command-a-03-2025" });
const dropping = testDeployment("cohere", { model: "command-a-03-2025", params: { drop_params: true } });
const json = (name: string): unknown => JSON.parse(fixture(import.meta.url, name));
const { Role } = llm;

function withFields(fields: Partial<llm.ChatCompletionRequest>): llm.ChatCompletionRequest {
  return Object.assign(simpleRequest(), fields);
}

/** Asserts the request is refused with INVALID_REQUEST naming `param` and the provider. */
function refuses(req: llm.ChatCompletionRequest, param: string): void {
  assert.throws(
    () => toCohereChatRequest(req, dep, false),
    (err: unknown) =>
      err instanceof GatewayError &&
      err.errorClass === llm.ErrorClass.INVALID_REQUEST &&
      err.detail.param === param &&
      err.message.includes("cohere"),
  );
}

describe("cohere toCohereChatRequest", () => {
  it("produces exactly the recorded body: roles, image parts, tool_plan and tool calls, tools and sampling", () => {
    assert.deepEqual(toCohereChatRequest(richRequest(), dep, false), json("request.json"));
    assert.deepEqual(toCohereChatRequest(richRequest(true, true), dep, true), json("request-stream.json"));
  });

  it("sends developer text as a system message and an assistant turn without tools as content", () => {
    const req = create(llm.ChatCompletionRequestSchema, {
      messages: [
        { role: Role.DEVELOPER, content: { case: "text", value: "Be kind." } },
        { role: Role.USER, content: { case: "text", value: "Hi" } },
        { role: Role.ASSISTANT, content: { case: "text", value: "Hello!" } },
        { role: Role.USER, content: { case: "parts", value: { parts: [{ part: { case: "text", value: "Bye" } }] } } },
      ],
    });
    assert.deepEqual(toCohereChatRequest(req, dep, false).messages, [
      { role: "system", content: "Be kind." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: [{ type: "text", text: "Bye" }] },
    ]);
  });

  it("maps response_format json_object and json_schema, tool_choice none, and strict functions", () => {
    const schema = '{"type":"object","properties":{"a":{"type":"string"}}}';
    const jsonObject = withFields({ responseFormat: create(llm.ResponseFormatSchema, { type: "json_object" }) });
    assert.deepEqual(toCohereChatRequest(jsonObject, dep, false).response_format, { type: "json_object" });
    const jsonSchema = withFields({
      responseFormat: create(llm.ResponseFormatSchema, {
        type: "json_schema",
        jsonSchema: { name: "a", schemaJson: schema },
      }),
    });
    assert.deepEqual(toCohereChatRequest(jsonSchema, dep, false).response_format, {
      type: "json_object",
      json_schema: JSON.parse(schema),
    });
    const strictNone = withFields({
      tools: [create(llm.ToolSchema, { type: "function", function: { name: "f", strict: true } })],
      toolChoice: create(llm.ToolChoiceSchema, { choice: { case: "mode", value: "none" } }),
    });
    const body = toCohereChatRequest(strictNone, dep, false);
    assert.deepEqual([body.tool_choice, body.strict_tools], ["NONE", true]);
    assert.deepEqual(body.tools, [
      { type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } },
    ]);
  });

  it("refuses what Cohere cannot do, naming the parameter, unless drop_params", () => {
    const named = withFields({
      toolChoice: create(llm.ToolChoiceSchema, { choice: { case: "functionName", value: "f" } }),
    });
    refuses(named, "tool_choice");
    refuses(withFields({ n: 2 }), "n");
    refuses(withFields({ reasoningEffort: "high" }), "reasoning_effort");
    refuses(withFields({ parallelToolCalls: false }), "parallel_tool_calls");
    refuses(withFields({ extraJson: '{"logit_bias":{"1":2}}' }), "logit_bias");
    const dropped = toCohereChatRequest(withFields({ n: 2, extraJson: '{"logprobs":true}', ...{} }), dropping, false);
    assert.deepEqual(Object.keys(dropped).sort(), ["messages", "model"]);
    assert.equal(toCohereChatRequest(named, dropping, false).tool_choice, undefined);
  });

  it("refuses audio and file parts in a user message", () => {
    const audio = create(llm.ChatCompletionRequestSchema, {
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
    refuses(audio, "messages[0].content[0]");
  });
});

describe("cohere api", () => {
  it("builds the v2 chat URL from api_base or the public API", () => {
    assert.equal(chatUrl({}), "https://api.cohere.com/v2/chat");
    assert.equal(chatUrl({ apiBase: "https://cohere.internal/v2/" }), "https://cohere.internal/v2/chat");
    assert.equal(chatUrl({ apiBase: "http://127.0.0.1:9/v2/chat" }), "http://127.0.0.1:9/v2/chat");
  });

  it("sends the key as a Bearer token", () => {
    assert.deepEqual(cohereHeaders("co-key", false), { accept: "application/json", authorization: "Bearer co-key" });
    assert.deepEqual(cohereHeaders(undefined, true), { accept: "text/event-stream" });
  });
});
