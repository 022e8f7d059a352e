import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { decodeJwt, importSPKI, jwtVerify } from "jose";
import {
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
  writeSlowly,
} from "../testkit.js";
import type { AttemptContext } from "../types.js";
import { completeUrl } from "./api.js";
import { createSnowflakeAdapter } from "./index.js";
import { accountIdentifier } from "./jwt.js";

const JWT = "eyJhbGciOiJSUzI1NiJ9.premade-jwt-0123456789";
const { ErrorClass, Role } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, JWT);
const data = (name: string) => fixture(import.meta.url, name);
const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

type RequestInit = Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName">;

/** A tool round trip, as request.json expects it translated. */
function richRequest(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "sonnet",
    messages: [
      { role: Role.DEVELOPER, content: { case: "text", value: "You are terse." } },
      { role: Role.USER, content: { case: "text", value: "Weather in Paris?" } },
      {
        role: Role.ASSISTANT,
        content: { case: "text", value: "" },
        toolCalls: [
          {
            id: "tooluse_FB_nOElDTAOKa",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: Role.TOOL, toolCallId: "tooluse_FB_nOElDTAOKa", content: { case: "text", value: "18C and sunny" } },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather of a city",
          parametersJson: '{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}',
        },
      },
    ],
    toolChoice: { choice: { case: "mode", value: "auto" } },
    temperature: 0.2,
    topP: 0.9,
    maxCompletionTokens: 256,
    stream,
    includeUsage: stream,
  });
}

function simpleRequest(stream = false, extra: RequestInit = {}): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "llama",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });
}

describe("snowflake adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let clock = Date.parse("2026-12-06T10:00:00Z");
  const sf = createSnowflakeAdapter({ env: {}, now: () => clock });
  let reply: (res: ServerResponse) => unknown = (res) => res.writeHead(500).end();
  const ctx = (
    over: {
      params?: Record<string, unknown>;
      model?: string;
      apiKey?: string;
      credentials?: Record<string, string>;
    } = {},
  ): AttemptContext => {
    const dep = testDeployment("snowflake", {
      model: over.model ?? "claude-3-5-sonnet",
      apiBase: `${upstream.url}/`,
      params: over.params ?? {},
    });
    const base = testContext(dep, dispatcher, over.apiKey === "" ? {} : { apiKey: over.apiKey ?? JWT });
    return { ...base, ...(over.credentials ? { credentials: over.credentials } : {}) };
  };
  const send = (status: number, body: string) => {
    reply = (res) => res.writeHead(status, { "content-type": "application/json" }).end(body);
  };
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

  before(async () => {
    upstream = await startUpstream();
    upstream.handle((_req, res) => reply(res));
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the translated tool round trip to inference:complete with the key-pair JWT and reads the answer", async () => {
    send(200, data("response.json"));
    const out = await sf.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/api/v2/cortex/inference:complete");
    assert.equal(seen.headers.authorization, `Bearer ${JWT}`);
    assert.equal(seen.headers["x-snowflake-authorization-token-type"], "KEYPAIR_JWT");
    assert.equal(seen.headers.accept, "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("request.json")));
    assert.equal(out.id, "a9537c2c-2017-4906-9817-2456168d89fa");
    assert.equal(out.model, "claude-3-5-sonnet");
    assert.equal(out.choices[0]?.message?.content, "It is 18C and sunny in Paris.");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens, out.usage?.totalTokens], [397, 12, 409]);
  });

  it("sends a pat/ api_key as a programmatic access token", async () => {
    send(200, data("response.json"));
    await sf.chat(simpleRequest(), ctx({ apiKey: "pat/pat-secret-0123456789" }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.authorization, "Bearer pat-secret-0123456789");
    assert.equal(seen.headers["x-snowflake-authorization-token-type"], "PROGRAMMATIC_ACCESS_TOKEN");
  });

  it("signs a key-pair JWT from private_key, caches it, and renews it 5 minutes before it expires", async () => {
    send(200, data("response.json"));
    const keyed = ctx({
      apiKey: "",
      params: { account_id: "xy12345.us-east-1", snowflake_user: "alice" },
      credentials: { private_key: privateKey.replaceAll("\n", "\\n") },
    });
    await sf.chat(simpleRequest(), keyed);
    const first = upstream.seen.at(-1)!.headers.authorization?.replace("Bearer ", "") ?? "";
    assert.equal(upstream.seen.at(-1)!.headers["x-snowflake-authorization-token-type"], "KEYPAIR_JWT");
    const { payload, protectedHeader } = await jwtVerify(first, await importSPKI(publicKey, "RS256"), {
      currentDate: new Date(clock),
    });
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload.sub, "XY12345.ALICE");
    assert.match(String(payload.iss), /^XY12345\.ALICE\.SHA256:[A-Za-z0-9+/]{43}=$/);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600);
    clock += 50 * 60_000;
    await sf.chat(simpleRequest(), keyed);
    assert.equal(upstream.seen.at(-1)!.headers.authorization, `Bearer ${first}`, "still fresh");
    clock += 6 * 60_000;
    await sf.chat(simpleRequest(), keyed);
    const renewed = upstream.seen.at(-1)!.headers.authorization?.replace("Bearer ", "") ?? "";
    assert.notEqual(renewed, first);
    assert.equal(decodeJwt(renewed).iat, Math.floor(clock / 1000));
    const noUser = ctx({ apiKey: "", params: { account_id: "xy12345" }, credentials: { private_key: privateKey } });
    await assert.rejects(sf.chat(simpleRequest(), noUser), isClass(ErrorClass.INTERNAL));
    const badKey = ctx({
      apiKey: "",
      params: { account_id: "a", snowflake_user: "u" },
      credentials: { private_key: "not a key" },
    });
    await assert.rejects(sf.chat(simpleRequest(), badKey), (err: unknown) => {
      assert.match((err as GatewayError).message, /private_key that could not sign/);
      assert.ok(!(err as GatewayError).message.includes("not a key"));
      return true;
    });
    await assert.rejects(sf.chat(simpleRequest(), ctx({ apiKey: "" })), isClass(ErrorClass.AUTH));
  });

  it("reads tool calls from content_list, and folds an answer Cortex streamed to a non-streamed call", async () => {
    send(200, data("response-tools.json"));
    const out = await sf.chat(simpleRequest(), ctx());
    const call = out.choices[0]?.message?.toolCalls[0];
    assert.deepEqual(
      [call?.id, call?.function?.name, call?.function?.arguments],
      ["tooluse_Qx1", "get_weather", '{"location":"Paris"}'],
    );
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.choices[0]?.message?.content, "I'll check the weather.");
    reply = (res) => sse(res).end(data("stream-tools.sse"));
    const folded = await sf.chat(simpleRequest(), ctx());
    assert.equal(folded.choices[0]?.message?.content, "I will check.");
    assert.equal(folded.choices[0]?.message?.toolCalls[0]?.function?.arguments, '{"location": "Paris"}');
    assert.equal(folded.choices[0]?.finishReason, "tool_calls");
    assert.equal(folded.usage?.totalTokens, 420);
  });

  it("streams SSE events written 1-7 bytes at a time, the last event's usage split into the usage chunk", async () => {
    reply = async (res) => {
      sse(res);
      await writeSlowly(res, data("stream.sse"));
      res.end();
    };
    const chunks = await collect(sf.streamChat(richRequest(true), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.accept, "text/event-stream");
    assert.deepEqual(JSON.parse(seen.body), { ...JSON.parse(data("request.json")), stream: true });
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(chunks[0]?.id, "a9537c2c-2017-4906-9817-2456168d89fa");
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is 18C and sunny ☀️ in Paris.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.deepEqual([chunks.at(-1)?.usage?.totalTokens, chunks.at(-1)?.usage?.estimated], [409, false]);
  });

  it("streams tool calls as OpenAI tool_call deltas finished with tool_calls", async () => {
    reply = (res) => sse(res).end(data("stream-tools.sse"));
    const chunks = await collect(sf.streamChat(simpleRequest(true), ctx()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []);
    assert.deepEqual([calls[0]?.index, calls[0]?.id, calls[0]?.name], [0, "tooluse_Qx1", "get_weather"]);
    assert.equal(calls.map((c) => c.arguments ?? "").join(""), '{"location": "Paris"}');
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 420);
  });

  it("fails a stream with an error event or a cut connection, and estimates usage a stream did not report", async () => {
    reply = (res) => sse(res).end(data("stream-error.sse"));
    await assert.rejects(collect(sf.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    reply = (res) => {
      sse(res).write(data("stream.sse").split("\n\n")[0] ?? "");
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await assert.rejects(collect(sf.streamChat(simpleRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    reply = (res) => sse(res).end(data("stream.sse").split("\n\n").slice(0, 2).join("\n\n"));
    const chunks = await collect(sf.streamChat(simpleRequest(true), ctx()));
    assert.equal(chunks.at(-1)?.usage?.estimated, true);
    assert.ok((chunks.at(-1)?.usage?.promptTokens ?? 0) > 0);
  });

  it("bounds a non-streamed call by the attempt's deadline, body included", async () => {
    reply = (res) => sse(res).write(data("stream.sse").split("\n\n")[0] ?? "");
    const slow = { ...ctx(), timeouts: { attemptMs: 150 } };
    const started = Date.now();
    await assert.rejects(sf.chat(simpleRequest(), slow), isClass(ErrorClass.TIMEOUT));
    assert.ok(Date.now() - started < 2000);
  });

  it("classifies 400, 400 context, 401, 403, 404, 429 and 503 error bodies", async () => {
    const cases: [number, string, llm.ErrorClass][] = [
      [400, "error-400.json", ErrorClass.INVALID_REQUEST],
      [400, "error-400-context.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      [401, "error-401.json", ErrorClass.AUTH],
      [403, "error-403.json", ErrorClass.PERMISSION_DENIED],
      [404, "error-404.json", ErrorClass.NOT_FOUND],
      [429, "error-429.json", ErrorClass.RATE_LIMITED],
      [503, "error-503.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [status, name, cls] of cases) {
      send(status, data(name));
      await assert.rejects(sf.chat(simpleRequest(), ctx()), isClass(cls));
      await assert.rejects(collect(sf.streamChat(simpleRequest(true), ctx())), isClass(cls));
    }
    send(400, data("error-400-context.json"));
    await assert.rejects(sf.chat(simpleRequest(), ctx()), (err: unknown) => {
      assert.equal((err as GatewayError).detail.code, "context_length_exceeded");
      return true;
    });
  });

  it("maps JSON mode, a required or named tool_choice, and refuses what Cortex does not take", async () => {
    send(200, data("response.json"));
    const schema = { name: "out", schemaJson: '{"type":"object","properties":{"a":{"type":"string"}}}' };
    await sf.chat(simpleRequest(false, { responseFormat: { type: "json_schema", jsonSchema: schema } }), ctx());
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body).response_format, {
      type: "json",
      schema: { type: "object", properties: { a: { type: "string" } } },
    });
    const tools = richRequest().tools;
    await sf.chat(simpleRequest(false, { tools, toolChoice: { choice: { case: "mode", value: "required" } } }), ctx());
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body).tool_choice, { type: "required", name: ["get_weather"] });
    await sf.chat(
      simpleRequest(false, { tools, toolChoice: { choice: { case: "functionName", value: "get_weather" } } }),
      ctx(),
    );
    assert.deepEqual(JSON.parse(upstream.seen.at(-1)!.body).tool_choice, { type: "tool", name: ["get_weather"] });
    const before = upstream.seen.length;
    await assert.rejects(sf.chat(simpleRequest(false, { stop: ["x"] }), ctx()), (err: unknown) => {
      assert.match((err as GatewayError).message, /snowflake does not support parameter "stop"/);
      return true;
    });
    const image = create(llm.ChatCompletionRequestSchema, {
      messages: [
        {
          role: Role.USER,
          content: {
            case: "parts",
            value: { parts: [{ part: { case: "imageUrl", value: { url: "https://x/y.png" } } }] },
          },
        },
      ],
    });
    await assert.rejects(sf.chat(image, ctx()), isClass(ErrorClass.INVALID_REQUEST));
    assert.equal(upstream.seen.length, before);
  });

  it("embeds through inference:embed, unwrapping Cortex's nested vectors", async () => {
    send(200, data("embed-response.json"));
    const out = await sf.embed!(
      create(llm.EmbeddingRequestSchema, { texts: ["a cat", "a dog"] }),
      ctx({ model: "snowflake-arctic-embed-m-v1.5" }),
    );
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/api/v2/cortex/inference:embed");
    assert.equal(seen.headers["x-snowflake-authorization-token-type"], "KEYPAIR_JWT");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(data("embed-request.json")));
    assert.deepEqual(out.data[1]?.vector, [0.045, 0.016, -0.008]);
    assert.deepEqual([out.usage?.promptTokens, out.usage?.totalTokens], [6, 6]);
    await assert.rejects(
      sf.embed!(create(llm.EmbeddingRequestSchema, { texts: ["a"], dimensions: 256 }), ctx()),
      isClass(ErrorClass.INVALID_REQUEST),
    );
  });
});

describe("snowflake account URLs and identifiers", () => {
  const dep = (apiBase: string | undefined, params: Record<string, unknown> = {}) =>
    testDeployment("snowflake", { ...(apiBase ? { apiBase } : {}), params });

  it("builds the account URL from account_id or SNOWFLAKE_ACCOUNT_ID, and normalises an api_base", () => {
    assert.equal(
      completeUrl(dep(undefined, { account_id: "myorg-acct" }), {}),
      "https://myorg-acct.snowflakecomputing.com/api/v2/cortex/inference:complete",
    );
    assert.equal(
      completeUrl(dep(undefined), { SNOWFLAKE_ACCOUNT_ID: "xy12345.us-east-1" }),
      "https://xy12345.us-east-1.snowflakecomputing.com/api/v2/cortex/inference:complete",
    );
    const full = "https://xy.snowflakecomputing.com/api/v2/cortex/inference:complete";
    assert.equal(completeUrl(dep(full), {}), full);
    assert.equal(completeUrl(dep("https://xy.snowflakecomputing.com/api/v2/"), {}), full);
    assert.throws(() => completeUrl(dep(undefined), {}), isErrorClass(ErrorClass.INTERNAL));
  });

  it("upper-cases the account for the JWT and drops a region suffix", () => {
    assert.equal(accountIdentifier("xy12345.us-east-1.aws"), "XY12345");
    assert.equal(accountIdentifier("myorg-myaccount"), "MYORG-MYACCOUNT");
  });
});
