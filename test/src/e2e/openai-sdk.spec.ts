import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import {
  assertChatCompletion,
  assertChatCompletionChunk,
  assertErrorResponse,
  assertModelList,
} from "../conformance.js";
import { type Gateway, MASTER_KEY, startGateway } from "./setup.js";

let gw: Gateway;
let client: OpenAI;

before(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(() => gw?.stop());

/** Raw fetch against the ingress, for checks the SDK hides (status, headers, exact JSON). */
async function raw(path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await fetch(`${gw.mesh.restUrl}${path}`, {
    method: init.json === undefined ? (init.method ?? "GET") : "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...(init.headers ?? {}) },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? JSON.parse(text) : undefined };
}

describe("OpenAI SDK against the ingress", () => {
  it("lists models in OpenAI's shape", async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    for (const id of ["gpt-4o", "primary", "backup", "claude", "mock-fast"]) assert.ok(ids.includes(id), id);
    const res = await raw("/v1/models");
    assertModelList(res.json);
  });

  it("answers a non-streamed chat completion exactly as OpenAI would", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "Say hi" }] })
      .withResponse();
    assert.equal(data.object, "chat.completion");
    assert.equal(data.choices[0]?.message.role, "assistant");
    assert.ok(data.choices[0]?.message.content);
    assert.ok(data.usage && data.usage.total_tokens > 0);
    assertChatCompletion(data);
    assert.equal(response.headers.get("x-switchyard-deployment"), "gpt-4o/0");
    assert.equal(response.headers.get("x-switchyard-attempts"), "1");
    assert.match(response.headers.get("x-request-id") ?? "", /^[\w.:-]+$/);
    const sent = gw.openai.requests.at(-1)!;
    assert.equal(sent.path, "/v1/chat/completions");
    assert.equal((sent.body as { model: string }).model, "gpt-4o");
  });

  it("streams chunks that each conform, ending in [DONE], with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Count to five" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      assertChatCompletionChunk(chunk);
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 1);
    assert.ok(text.length > 0);
    assert.ok(usage && usage.completion_tokens > 0, "usage chunk present");
    const res = await raw("/v1/chat/completions", {
      json: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }] },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.ok(res.text.endsWith("data: [DONE]\n\n"));
    const events = res.text.split("\n\n").filter(Boolean);
    for (const event of events.slice(0, -1)) assertChatCompletionChunk(JSON.parse(event.slice("data: ".length)));
    assert.ok(!events.some((e) => e.includes('"usage":{')), "no usage chunk unless include_usage");
  });

  it("round-trips tool calls and tool results", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    await client.chat.completions.create({
      model: "gpt-4o",
      tools,
      tool_choice: { type: "function", function: { name: "get_weather" } },
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
      ],
    });
    const body = gw.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(body.tools, tools);
    assert.deepEqual(body.tool_choice, { type: "function", function: { name: "get_weather" } });
    const messages = body.messages as Record<string, unknown>[];
    assert.equal(messages[1]?.content, null);
    assert.deepEqual(messages[2], { role: "tool", tool_call_id: "call_1", content: "18C" });
  });

  it("passes unmodelled OpenAI parameters through unchanged", async () => {
    await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      logit_bias: { "50256": -100 },
      service_tier: "flex",
      // A parameter OpenAI might add tomorrow.
      ...({ brand_new_param: { nested: [1, 2, 3] } } as object),
    });
    const body = gw.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(body.logit_bias, { "50256": -100 });
    assert.equal(body.service_tier, "flex");
    assert.deepEqual(body.brand_new_param, { nested: [1, 2, 3] });
  });

  it("maps errors to OpenAI's error JSON with the right status", async () => {
    const cases: [string, Parameters<typeof raw>[1], number, RegExp][] = [
      [
        "bad key",
        { json: { model: "gpt-4o", messages: [] }, headers: { authorization: "Bearer sk-wrong" } },
        401,
        /api key/,
      ],
      ["no key", { json: { model: "gpt-4o", messages: [] }, headers: { authorization: "" } }, 401, /api key/],
      ["unknown model", { json: { model: "nope", messages: [{ role: "user", content: "x" }] } }, 404, /nope/],
      [
        "wrong type",
        { json: { model: "gpt-4o", messages: [{ role: "user", content: "x" }], temperature: "hot" } },
        400,
        /temperature/,
      ],
      ["malformed JSON", { method: "POST", body: '{"model": "gpt-4o",' }, 400, /JSON/],
      ["unknown route", { method: "GET" }, 404, /unknown route/],
    ];
    for (const [name, init, status, message] of cases) {
      const res = await raw(name === "unknown route" ? "/v1/nothing-here" : "/v1/chat/completions", init);
      assert.equal(res.status, status, `${name}: ${res.text}`);
      assertErrorResponse(res.json);
      assert.match(res.json.error.message, message, name);
    }
    await assert.rejects(
      client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "x" }],
        temperature: "hot" as unknown as number,
      }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === "temperature",
    );
  });

  it("serves the API without the /v1 prefix too", async () => {
    const res = await raw("/chat/completions", {
      json: { model: "mock-fast", messages: [{ role: "user", content: "hi" }] },
    });
    assert.equal(res.status, 200);
    assertChatCompletion(res.json);
    assert.equal((await raw("/models")).status, 200);
  });
});
