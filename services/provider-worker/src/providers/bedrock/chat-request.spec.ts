import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { fixture, testDeployment } from "../testkit.js";
import { bearerToken, bedrockTarget, bedrockUrl, modelIdOf, routeOf } from "./api.js";
import { JSON_TOOL_NAME, toConverseRequest } from "./chat-request.js";
import { richRequest } from "./testdata/canonical.js";

const { Role } = llm;
type RequestInit = MessageInitShape<typeof llm.ChatCompletionRequestSchema>;

const dep = testDeployment("bedrock", { model: "anthropic.claude-sonnet-4-20250514-v1:0" });

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
    assert.equal(err.detail.provider, "bedrock");
    return true;
  });
}

const weatherTool = { type: "function", function: { name: "get_weather", parametersJson: '{"type":"object"}' } };

describe("bedrock toConverseRequest", () => {
  it("produces exactly the recorded Converse body", () => {
    const { body, jsonMode } = toConverseRequest(richRequest(), dep);
    assert.deepEqual(body, JSON.parse(fixture(import.meta.url, "request.json")));
    assert.equal(jsonMode, false);
  });

  it("sends a plain turn as one text block and no empty sections", () => {
    assert.deepEqual(toConverseRequest(simple(), dep).body, {
      messages: [{ role: "user", content: [{ text: "hi" }] }],
    });
  });

  it("takes max_completion_tokens over max_tokens, then the deployment's max_tokens", () => {
    const max = (req: llm.ChatCompletionRequest, d = dep) =>
      (toConverseRequest(req, d).body.inferenceConfig as { maxTokens?: number } | undefined)?.maxTokens;
    assert.equal(max(simple({ maxTokens: 10, maxCompletionTokens: 20 })), 20);
    assert.equal(max(simple({ maxTokens: 10 })), 10);
    assert.equal(max(simple(), testDeployment("bedrock", { params: { max_tokens: 8192 } })), 8192);
    assert.equal(max(simple()), undefined);
  });

  it("merges consecutive turns of one role and puts tool results in a user turn", () => {
    const { body } = toConverseRequest(
      simple({
        messages: [
          { role: Role.USER, content: { case: "text", value: "a" } },
          { role: Role.USER, content: { case: "text", value: "  " } },
          { role: Role.USER, content: { case: "text", value: "b" } },
          {
            role: Role.ASSISTANT,
            toolCalls: [
              { id: "t1", type: "function", function: { name: "f", arguments: "" } },
              { id: "t2", type: "function", function: { name: "g", arguments: '{"x":1}' } },
            ],
          },
          { role: Role.TOOL, toolCallId: "t1", content: { case: "text", value: "r1" } },
          { role: Role.TOOL, toolCallId: "t2", content: { case: "text", value: "" } },
        ],
        tools: [weatherTool],
      }),
      dep,
    );
    assert.deepEqual(body.messages, [
      { role: "user", content: [{ text: "a" }, { text: "b" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "t1", name: "f", input: {} } },
          { toolUse: { toolUseId: "t2", name: "g", input: { x: 1 } } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "t1", content: [{ text: "r1" }] } },
          { toolResult: { toolUseId: "t2", content: [] } },
        ],
      },
    ]);
  });

  it("maps every tool_choice; none leaves the tools out", () => {
    const choice = (c: RequestInit["toolChoice"]) =>
      toConverseRequest(simple({ tools: [weatherTool], toolChoice: c }), dep);
    const toolChoiceOf = (c: RequestInit["toolChoice"]) =>
      (choice(c).body.toolConfig as { toolChoice?: unknown } | undefined)?.toolChoice;
    assert.deepEqual(toolChoiceOf({ choice: { case: "mode", value: "auto" } }), { auto: {} });
    assert.deepEqual(toolChoiceOf({ choice: { case: "mode", value: "required" } }), { any: {} });
    assert.deepEqual(toolChoiceOf({ choice: { case: "functionName", value: "get_weather" } }), {
      tool: { name: "get_weather" },
    });
    assert.equal(toolChoiceOf(undefined), undefined);
    assert.equal(choice({ choice: { case: "mode", value: "none" } }).body.toolConfig, undefined);
  });

  it("refuses tool_choice none in a conversation with tool calls instead of leaving tools on", () => {
    const req = simple({
      messages: [
        { role: Role.USER, content: { case: "text", value: "hi" } },
        { role: Role.ASSISTANT, toolCalls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: Role.TOOL, toolCallId: "t", content: { case: "text", value: "r" } },
      ],
      tools: [weatherTool],
      toolChoice: { choice: { case: "mode", value: "none" } },
    });
    rejects(() => toConverseRequest(req, dep), /tool_choice "none"/, "tool_choice");
  });

  it("adds a cache point after a tool with cache_control", () => {
    const tools = [{ ...weatherTool, extraJson: '{"cache_control":{"type":"ephemeral"}}' }];
    const config = toConverseRequest(simple({ tools }), dep).body.toolConfig as { tools: unknown[] };
    assert.deepEqual(config.tools[1], { cachePoint: { type: "default" } });
  });

  it("turns json_schema into the forced JSON tool", () => {
    const { body, jsonMode } = toConverseRequest(
      simple({
        responseFormat: {
          type: "json_schema",
          jsonSchema: { name: "w", schemaJson: '{"type":"object","properties":{"city":{"type":"string"}}}' },
        },
      }),
      dep,
    );
    assert.equal(jsonMode, true);
    assert.deepEqual(body.toolConfig, {
      tools: [
        {
          toolSpec: {
            name: JSON_TOOL_NAME,
            description: "Respond with JSON that matches the schema.",
            inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } },
          },
        },
      ],
      toolChoice: { tool: { name: JSON_TOOL_NAME } },
    });
    const object = toConverseRequest(simple({ responseFormat: { type: "json_object" } }), dep);
    assert.deepEqual(
      (object.body.toolConfig as { tools: Array<{ toolSpec: { inputSchema: unknown } }> }).tools[0]?.toolSpec
        .inputSchema,
      {
        json: { type: "object" },
      },
    );
    assert.equal(toConverseRequest(simple({ responseFormat: { type: "text" } }), dep).jsonMode, false);
  });

  it("refuses JSON mode together with tools, and an image URL it cannot send as bytes", () => {
    rejects(
      () => toConverseRequest(simple({ tools: [weatherTool], responseFormat: { type: "json_object" } }), dep),
      /does not support parameter "response_format"/,
      "response_format",
    );
    const url = simple({
      messages: [
        {
          role: Role.USER,
          content: {
            case: "parts",
            value: { parts: [{ part: { case: "imageUrl", value: { url: "https://example.com/cat.jpg" } } }] },
          },
        },
      ],
    });
    rejects(() => toConverseRequest(url, dep), /base64 data URLs/, "messages[0].content[0].image_url.url");
  });

  for (const [name, init, param] of [
    ["n", { n: 2 }, "n"],
    ["presence_penalty", { presencePenalty: 0.5 }, "presence_penalty"],
    ["frequency_penalty", { frequencyPenalty: 0.5 }, "frequency_penalty"],
    ["seed", { seed: 7n }, "seed"],
    ["reasoning_effort", { reasoningEffort: "low" }, "reasoning_effort"],
    ["parallel_tool_calls", { parallelToolCalls: false }, "parallel_tool_calls"],
    ["logprobs", { extraJson: '{"logprobs":true}' }, "logprobs"],
  ] as const) {
    it(`refuses ${name} unless drop_params is set`, () => {
      rejects(
        () => toConverseRequest(simple(init), dep),
        new RegExp(`bedrock does not support parameter "${param}"`),
        param,
      );
      const dropping = testDeployment("bedrock", { params: { drop_params: true } });
      assert.deepEqual(toConverseRequest(simple(init), dropping).body, {
        messages: [{ role: "user", content: [{ text: "hi" }] }],
      });
    });
  }
});

describe("bedrock api", () => {
  it("reads the model id of both routes and refuses LiteLLM's other routes", () => {
    const id = (model: string) => modelIdOf(testDeployment("bedrock", { model }));
    assert.equal(id("anthropic.claude-3-5-sonnet-20240620-v1:0"), "anthropic.claude-3-5-sonnet-20240620-v1:0");
    assert.equal(
      id("converse/us.anthropic.claude-haiku-4-5-20251001-v1:0"),
      "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    );
    const arn = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123";
    assert.equal(id(arn), arn);
    assert.equal(id(`converse/${arn}`), arn);
    rejects(() => id("llama/meta.llama3-70b-instruct-v1:0"), /"llama\/" route is not supported/, "model");
  });

  it("takes the invoke route for Anthropic models (base, profile or ARN) and refuses it for others", () => {
    const route = (model: string) => routeOf(testDeployment("bedrock", { model }));
    assert.deepEqual(route("invoke/anthropic.claude-3-5-sonnet-20240620-v1:0"), {
      api: "invoke",
      modelId: "anthropic.claude-3-5-sonnet-20240620-v1:0",
    });
    assert.equal(route("invoke/us.anthropic.claude-sonnet-4-20250514-v1:0").api, "invoke");
    const arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
    assert.deepEqual(route(`invoke/${arn}`), { api: "invoke", modelId: arn });
    assert.equal(route("anthropic.claude-v2").api, "converse");
    rejects(() => route("invoke/meta.llama3-70b-instruct-v1:0"), /supported for Anthropic models/, "model");
    const invoke = bedrockTarget(testDeployment("bedrock", { model: "invoke/anthropic.claude-v2:1" }), {});
    assert.match(bedrockUrl(invoke, false), /\/model\/anthropic\.claude-v2%3A1\/invoke$/);
    assert.match(bedrockUrl(invoke, true), /\/model\/anthropic\.claude-v2%3A1\/invoke-with-response-stream$/);
  });

  it("builds the regional URL with the model id as one encoded path segment", () => {
    const target = bedrockTarget(
      testDeployment("bedrock", {
        model: "converse/anthropic.claude-3-haiku-20240307-v1:0",
        params: { aws_region_name: "eu-central-1" },
      }),
      {},
    );
    assert.equal(
      bedrockUrl(target, false),
      "https://bedrock-runtime.eu-central-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
    );
    const arn = bedrockTarget(
      testDeployment("bedrock", { model: "arn:aws:bedrock:ap-south-1:1:inference-profile/apac.x-v1:0" }),
      { AWS_REGION: "us-east-1" },
    );
    assert.equal(arn.region, "ap-south-1");
    assert.equal(
      bedrockUrl(arn, true),
      "https://bedrock-runtime.ap-south-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aap-south-1%3A1%3Ainference-profile%2Fapac.x-v1%3A0/converse-stream",
    );
  });

  it("resolves the region and endpoint as LiteLLM does", () => {
    const t = (params: Record<string, unknown>, env: Record<string, string>, apiBase?: string) =>
      bedrockTarget(testDeployment("bedrock", { model: "m", params, ...(apiBase ? { apiBase } : {}) }), env);
    assert.equal(t({}, {}).region, "us-west-2");
    assert.equal(t({}, { AWS_REGION_NAME: "eu-west-3" }).region, "eu-west-3");
    assert.equal(t({}, { AWS_REGION_NAME: "eu-west-3", AWS_REGION: "us-east-2" }).region, "us-east-2");
    assert.equal(t({ aws_region_name: "ca-central-1" }, { AWS_REGION: "us-east-2" }).region, "ca-central-1");
    assert.equal(t({}, { AWS_REGION: "cn-north-1" }).endpoint, "https://bedrock-runtime.cn-north-1.amazonaws.com.cn");
    assert.equal(t({ aws_bedrock_runtime_endpoint: "https://vpce-1.example/" }, {}).endpoint, "https://vpce-1.example");
    assert.equal(t({}, {}, "http://127.0.0.1:9/").endpoint, "http://127.0.0.1:9");
    rejects(() => t({ aws_region_name: "evil.com/x" }, {}), /aws_region_name/, "aws_region_name");
  });

  it("uses a Bedrock API key only when the deployment names no AWS credentials of its own", () => {
    const plain = testDeployment("bedrock");
    assert.equal(bearerToken(plain, "key-1", undefined, {}), "key-1");
    assert.equal(bearerToken(plain, undefined, undefined, { AWS_BEARER_TOKEN_BEDROCK: "env-key" }), "env-key");
    const own = { aws_access_key_id: "AKIA", aws_secret_access_key: "s" };
    assert.equal(bearerToken(plain, undefined, own, { AWS_BEARER_TOKEN_BEDROCK: "env-key" }), undefined);
    assert.equal(bearerToken(plain, undefined, undefined, {}), undefined);
  });
});
