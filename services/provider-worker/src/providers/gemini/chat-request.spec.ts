import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { fixture, testDeployment } from "../testkit.js";
import { toGenerateContentRequest } from "./chat-request.js";
import { richRequest } from "./testdata/canonical.js";

const { Role } = llm;
type RequestInit = MessageInitShape<typeof llm.ChatCompletionRequestSchema>;

const dep = testDeployment("gemini", { model: "gemini-2.5-flash" });

function simple(init: RequestInit = {}): llm.ChatCompletionRequest {
  const req = create(llm.ChatCompletionRequestSchema, init);
  req.model = "gemini";
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
    assert.equal(err.detail.provider, "gemini");
    return true;
  });
}

const weatherTool = {
  type: "function",
  function: { name: "get_weather", parametersJson: '{"type":"object","properties":{"city":{"type":"string"}}}' },
};

describe("gemini toGenerateContentRequest", () => {
  it("produces exactly the recorded request body", () => {
    const expected: unknown = JSON.parse(fixture(import.meta.url, "request.json"));
    assert.deepEqual(toGenerateContentRequest(richRequest(), dep), expected);
  });

  it("sends a plain conversation with no generationConfig when nothing is set", () => {
    assert.deepEqual(toGenerateContentRequest(simple(), dep), {
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
    });
  });

  it("maps n, seed, penalties and max_completion_tokens into generationConfig", () => {
    const body = toGenerateContentRequest(
      simple({ n: 2, seed: 7n, presencePenalty: 0.5, frequencyPenalty: 0.25, maxTokens: 10, maxCompletionTokens: 99 }),
      dep,
    );
    assert.deepEqual(body.generationConfig, {
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      maxOutputTokens: 99,
    });
  });

  it("asks for JSON for response_format json_object", () => {
    const body = toGenerateContentRequest(simple({ responseFormat: { type: "json_object" } }), dep);
    assert.deepEqual(body.generationConfig, { responseMimeType: "application/json" });
  });

  it("turns a json_schema into Gemini's responseSchema, inlining $defs and nullable unions", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      additionalProperties: false,
      $defs: { city: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } },
      properties: {
        home: { $ref: "#/$defs/city" },
        note: { anyOf: [{ type: "string" }, { type: "null" }] },
        kind: { const: "weather" },
        amount: { type: ["integer", "number"] },
        tags: { type: "array", items: { type: "string", minLength: 1 } },
      },
      required: ["home"],
    };
    const body = toGenerateContentRequest(
      simple({
        responseFormat: { type: "json_schema", jsonSchema: { name: "r", schemaJson: JSON.stringify(schema) } },
      }),
      dep,
    );
    assert.deepEqual(body.generationConfig, {
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: {
          home: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
          note: { type: "string", nullable: true },
          kind: { enum: ["weather"] },
          amount: { anyOf: [{ type: "integer" }, { type: "number" }] },
          tags: { type: "array", items: { type: "string", minLength: 1 } },
        },
        required: ["home"],
      },
    });
  });

  it("refuses a recursive $ref and a $ref outside $defs", () => {
    const recursive = { type: "object", $defs: { n: { type: "object", properties: { next: { $ref: "#/$defs/n" } } } } };
    const req = (schema: object) =>
      simple({
        responseFormat: { type: "json_schema", jsonSchema: { name: "r", schemaJson: JSON.stringify(schema) } },
      });
    const param = "response_format.json_schema.schema";
    rejects(
      () => toGenerateContentRequest(req({ ...recursive, properties: { head: { $ref: "#/$defs/n" } } }), dep),
      /recursive/,
      param,
    );
    rejects(
      () => toGenerateContentRequest(req({ type: "object", properties: { a: { $ref: "other.json#/x" } } }), dep),
      /\$ref/,
      param,
    );
  });

  it("maps each tool_choice onto functionCallingConfig", () => {
    const config = (toolChoice: RequestInit["toolChoice"]) =>
      toGenerateContentRequest(simple({ tools: [weatherTool], toolChoice }), dep).toolConfig;
    assert.deepEqual(config({ choice: { case: "mode", value: "required" } }), {
      functionCallingConfig: { mode: "ANY" },
    });
    assert.deepEqual(config({ choice: { case: "mode", value: "none" } }), { functionCallingConfig: { mode: "NONE" } });
    assert.deepEqual(config({ choice: { case: "functionName", value: "get_weather" } }), {
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    });
    assert.equal(config(undefined), undefined);
    rejects(() => config({ choice: { case: "mode", value: "sometimes" } }), /tool_choice/, "tool_choice");
  });

  it("declares a function without arguments with no parameters (Gemini refuses an empty OBJECT)", () => {
    const tools = [
      { type: "function", function: { name: "now", parametersJson: '{"type":"object","properties":{}}' } },
      { type: "function", function: { name: "ping" } },
    ];
    const body = toGenerateContentRequest(simple({ tools }), dep);
    assert.deepEqual(body.tools, [{ functionDeclarations: [{ name: "now" }, { name: "ping" }] }]);
  });

  it("maps reasoning_effort to a thinking budget, or a thinking level on Gemini 3", () => {
    const thinking = (effort: string, model = "gemini-2.5-flash") =>
      (
        toGenerateContentRequest(simple({ reasoningEffort: effort }), { ...dep, model }).generationConfig as Record<
          string,
          unknown
        >
      ).thinkingConfig;
    assert.deepEqual(thinking("medium"), { thinkingBudget: 2048, includeThoughts: true });
    assert.deepEqual(thinking("minimal", "gemini-2.5-pro"), { thinkingBudget: 128, includeThoughts: true });
    assert.deepEqual(thinking("minimal", "gemini-2.5-flash-lite"), { thinkingBudget: 512, includeThoughts: true });
    assert.deepEqual(thinking("high", "gemini-3-pro-preview"), { thinkingLevel: "high", includeThoughts: true });
    rejects(() => thinking("extreme"), /reasoning_effort/, "reasoning_effort");
  });

  it("forwards Gemini's own extras and refuses other unknown ones unless drop_params", () => {
    const safety = [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }];
    const body = toGenerateContentRequest(
      simple({
        extraJson: JSON.stringify({ safety_settings: safety, cached_content: "cachedContents/abc", top_k: 3 }),
      }),
      dep,
    );
    assert.deepEqual(body.safetySettings, safety);
    assert.equal(body.cachedContent, "cachedContents/abc");
    assert.deepEqual(body.generationConfig, { topK: 3 });
    rejects(() => toGenerateContentRequest(simple({ extraJson: '{"logprobs":true}' }), dep), /logprobs/, "logprobs");
    const dropping = { ...dep, params: { drop_params: true } };
    assert.deepEqual(
      toGenerateContentRequest(simple({ extraJson: '{"logprobs":true}' }), dropping).generationConfig,
      undefined,
    );
  });

  it("refuses parallel_tool_calls: false, which Gemini cannot express, unless drop_params", () => {
    const req = simple({ tools: [weatherTool], parallelToolCalls: false });
    rejects(() => toGenerateContentRequest(req, dep), /parallel_tool_calls/, "parallel_tool_calls");
    assert.ok(toGenerateContentRequest(req, { ...dep, params: { drop_params: true } }).tools);
  });

  it("translates audio and bare base64 files, and keeps a Files API reference as fileData", () => {
    const body = toGenerateContentRequest(
      simple({
        messages: [
          {
            role: Role.USER,
            content: {
              case: "parts",
              value: {
                parts: [
                  { part: { case: "inputAudio", value: { data: "UklGRg==", format: "wav" } } },
                  { part: { case: "file", value: { fileData: "JVBERi0=", filename: "report.pdf" } } },
                  {
                    part: {
                      case: "file",
                      value: { fileId: "https://generativelanguage.googleapis.com/v1beta/files/abc" },
                    },
                  },
                ],
              },
            },
          },
        ],
      }),
      dep,
    );
    assert.deepEqual((body.contents as { parts: unknown[] }[])[0]?.parts, [
      { inlineData: { mimeType: "audio/wav", data: "UklGRg==" } },
      { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } },
      {
        fileData: {
          mimeType: "application/pdf",
          fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc",
        },
      },
    ]);
  });

  it("names the offending field of a message Gemini cannot take", () => {
    const orphan = simple({
      messages: [{ role: Role.TOOL, toolCallId: "call_x", content: { case: "text", value: "42" } }],
    });
    rejects(() => toGenerateContentRequest(orphan, dep), /does not match a tool call/, "messages[0].tool_call_id");
    const badArgs = simple({
      messages: [
        { role: Role.ASSISTANT, toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }] },
      ],
    });
    rejects(
      () => toGenerateContentRequest(badArgs, dep),
      /JSON object/,
      "messages[0].tool_calls[0].function.arguments",
    );
    const badImage = simple({
      messages: [
        {
          role: Role.USER,
          content: { case: "parts", value: { parts: [{ part: { case: "imageUrl", value: { url: "cat.png" } } }] } },
        },
      ],
    });
    rejects(() => toGenerateContentRequest(badImage, dep), /must be a URL/, "messages[0].content[0].image_url.url");
  });

  it("sends a JSON tool result as structured content", () => {
    const req = simple({
      messages: [
        { role: Role.USER, content: { case: "text", value: "weather?" } },
        { role: Role.ASSISTANT, toolCalls: [{ id: "c1", type: "function", function: { name: "w", arguments: "" } }] },
        { role: Role.TOOL, toolCallId: "c1", content: { case: "text", value: '{"temp":18}' } },
      ],
    });
    const contents = toGenerateContentRequest(req, dep).contents as { role: string; parts: unknown[] }[];
    assert.deepEqual(contents.slice(1), [
      { role: "model", parts: [{ functionCall: { name: "w", args: {} } }] },
      { role: "user", parts: [{ functionResponse: { name: "w", response: { content: { temp: 18 } } } }] },
    ]);
  });
});
