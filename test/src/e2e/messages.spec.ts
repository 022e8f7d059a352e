// /v1/messages and /v1/messages/count_tokens in Anthropic's format through the real mesh, with the official Anthropic
// SDK as the client, against an OpenAI fake, the built-in mock and an Anthropic fake behind the gateway.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from "../fakes/index.js";
import { ANTHROPIC_KEY, MASTER_KEY, OPENAI_KEY } from "./setup.js";

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let mesh: Mesh;
let client: Anthropic;

before(async () => {
  openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  const dir = mkdtempSync(join(tmpdir(), "switchyard-messages-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: "${openai.url}/v1", api_key: os.environ/E2E_OPENAI_KEY }
  - model_name: mock-fast
    litellm_params: { model: mock/fast, mock_chunks: 3 }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropic.url}", api_key: os.environ/E2E_ANTHROPIC_KEY }
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_OPENAI_KEY: OPENAI_KEY, E2E_ANTHROPIC_KEY: ANTHROPIC_KEY },
  });
  // The SDK sends the key as x-api-key, as it does to Anthropic.
  client = new Anthropic({ baseURL: mesh.restUrl, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await openai?.close();
  await anthropic?.close();
});

const lookup: Anthropic.Tool = {
  name: "lookup",
  description: "Looks a word up",
  input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
};

/** An OpenAI stream calling `lookup` with its arguments in three pieces, as OpenAI streams them. */
function toolCallStream(): string {
  const base = { id: "chatcmpl-tool", object: "chat.completion.chunk", created: 1, model: "gpt-4o-2024" };
  const chunk = (delta: unknown, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const call = { index: 0, id: "call_abc", type: "function", function: { name: "lookup", arguments: "" } };
  const frames = [
    chunk({ role: "assistant", content: null }),
    chunk({ tool_calls: [call] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q"' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: ':"ygg' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'drasil"}' } }] }),
    chunk({}, "tool_calls"),
    { ...base, choices: [], usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 } },
  ];
  return `${frames.map((f) => `data: ${JSON.stringify(f)}\n\n`).join("")}data: [DONE]\n\n`;
}

describe("the Messages API in front of an OpenAI upstream", () => {
  it("answers messages.create with an Anthropic message and sends OpenAI the translated request", async () => {
    const { data: message, response } = await client.messages
      .create({
        model: "gpt-4o",
        max_tokens: 200,
        system: "Be brief.",
        messages: [{ role: "user", content: "Hello there" }],
        thinking: { type: "enabled", budget_tokens: 2048 },
        stop_sequences: ["END"],
        metadata: { user_id: "user-7" },
      })
      .withResponse();
    assert.match(message.id, /^msg_/);
    assert.equal(message.type, "message");
    assert.equal(message.role, "assistant");
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.stop_sequence, null);
    assert.equal(message.content[0]?.type, "text");
    assert.match((message.content[0] as Anthropic.TextBlock).text, /fake openai upstream/);
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
    assert.equal(message.usage.cache_read_input_tokens, 0);
    assert.ok(response.headers.get("request-id"));
    assert.ok(response.headers.get("x-switchyard-response-cost"));
    const sent = openai.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(sent.model, "gpt-4o");
    assert.equal(sent.max_tokens, 200);
    assert.equal(sent.reasoning_effort, "medium");
    assert.deepEqual(sent.stop, ["END"]);
    assert.equal(sent.user, "user-7");
    assert.deepEqual(sent.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hello there" },
    ]);
  });

  it("reports max_tokens when the answer was cut", async () => {
    const message = await client.messages.create({
      model: "gpt-4o",
      max_tokens: 2,
      messages: [{ role: "user", content: "Tell me a long story" }],
    });
    assert.equal(message.stop_reason, "max_tokens");
  });

  it("streams events the SDK reassembles into the same message", async () => {
    const stream = client.messages.stream({
      model: "gpt-4o",
      max_tokens: 200,
      messages: [{ role: "user", content: "Stream this" }],
    });
    const types: string[] = [];
    let text = "";
    stream.on("streamEvent", (event) => types.push(event.type));
    stream.on("text", (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    assert.equal(types[0], "message_start");
    assert.equal(types.at(-1), "message_stop");
    assert.ok(types.includes("content_block_delta") && types.includes("message_delta"));
    assert.equal(message.content.length, 1);
    assert.equal((message.content[0] as Anthropic.TextBlock).text, text);
    assert.match(text, /fake openai upstream/);
    assert.equal(message.stop_reason, "end_turn");
    assert.ok(message.usage.output_tokens > 0 && message.usage.input_tokens > 0);
    const sent = openai.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(sent.stream_options, { include_usage: true });
  });

  it("streams a tool call as tool_use with input_json_delta", async () => {
    openai.script({ streamFixture: toolCallStream() });
    const stream = client.messages.stream({
      model: "gpt-4o",
      max_tokens: 200,
      tools: [lookup],
      tool_choice: { type: "tool", name: "lookup" },
      messages: [{ role: "user", content: "Look up yggdrasil" }],
    });
    const partial: string[] = [];
    stream.on("inputJson", (piece) => partial.push(piece));
    const message = await stream.finalMessage();
    assert.deepEqual(partial, ['{"q"', ':"ygg', 'drasil"}']);
    assert.equal(message.stop_reason, "tool_use");
    assert.deepEqual(message.content, [
      { type: "tool_use", id: "call_abc", name: "lookup", input: { q: "yggdrasil" } },
    ]);
    assert.equal(message.usage.output_tokens, 9);
    const sent = openai.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(sent.tool_choice, { type: "function", function: { name: "lookup" } });
    assert.deepEqual(sent.tools, [
      {
        type: "function",
        function: { name: "lookup", description: lookup.description, parameters: lookup.input_schema },
      },
    ]);
  });

  it("round-trips tools: tool_use out, tool_result back in", async () => {
    const first = await client.messages.create({
      model: "gpt-4o",
      max_tokens: 200,
      tools: [lookup],
      tool_choice: { type: "any" },
      messages: [{ role: "user", content: "Look something up" }],
    });
    assert.equal(first.stop_reason, "tool_use");
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    assert.ok(use);
    assert.equal(use.name, "lookup");
    assert.deepEqual(use.input, {});
    const second = await client.messages.create({
      model: "gpt-4o",
      max_tokens: 200,
      tools: [lookup],
      messages: [
        { role: "user", content: "Look something up" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "a world tree" }] },
      ],
    });
    assert.equal(second.stop_reason, "end_turn");
    const sent = openai.requests.at(-1)!.body as { messages: unknown[] };
    assert.deepEqual(sent.messages.slice(1), [
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: use.id, type: "function", function: { name: "lookup", arguments: "{}" } }],
      },
      { role: "tool", content: "a world tree", tool_call_id: use.id },
    ]);
  });

  it("ends a stream that fails after its first byte with an error event and no message_stop", async () => {
    openai.script({ resetAfterChunks: 3 });
    const res = await fetch(`${mesh.restUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": MASTER_KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "gpt-4o",
        max_tokens: 200,
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
    assert.equal(res.status, 200, res.status === 200 ? "" : await res.text());
    const frames = (await res.text()).split("\n\n").filter((f) => f !== "");
    assert.match(frames[0]!, /^event: message_start\ndata: /);
    assert.match(frames[1]!, /^event: ping\ndata: \{"type":"ping"\}$/);
    const last = frames.at(-1)!;
    assert.match(last, /^event: error\ndata: /);
    const error = JSON.parse(last.slice(last.indexOf("data: ") + 6)) as { type: string; error: { type: string } };
    assert.equal(error.type, "error");
    assert.ok(["api_error", "overloaded_error"].includes(error.error.type), error.error.type);
    assert.ok(!frames.some((f) => f.startsWith("event: message_stop")));
  });

  // A 429 cools the one gpt-4o deployment down, so no test after this one routes to gpt-4o.
  it("maps an upstream error to Anthropic's error type and status", async () => {
    openai.script({
      status: 429,
      body: { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } },
    });
    await assert.rejects(
      client.messages.create({ model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.RateLimitError, String(err));
        assert.equal(err.status, 429);
        assert.equal((err.error as { type: string; error: { type: string } }).type, "error");
        assert.equal((err.error as { error: { type: string } }).error.type, "rate_limit_error");
        return true;
      },
    );
  });

  it("refuses a bad request with invalid_request_error naming the field", async () => {
    await assert.rejects(
      client.messages.create({
        model: "gpt-4o",
        max_tokens: 0,
        messages: [{ role: "user", content: "hi" }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.BadRequestError, String(err));
        assert.deepEqual(err.error, {
          type: "error",
          error: { type: "invalid_request_error", message: "max_tokens: expected an integer between 1 and 2147483647" },
        });
        return true;
      },
    );
  });

  it("answers an unknown model group with not_found_error", async () => {
    await assert.rejects(
      client.messages.create({ model: "nope", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => err instanceof Anthropic.NotFoundError && err.status === 404,
    );
  });
});

describe("authentication", () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${mesh.restUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
      body: JSON.stringify({ model: "mock-fast", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });

  it("accepts x-api-key and Authorization: Bearer", async () => {
    assert.equal((await post({ "x-api-key": MASTER_KEY })).status, 200);
    assert.equal((await post({ authorization: `Bearer ${MASTER_KEY}` })).status, 200);
  });

  it("refuses a missing or wrong key with authentication_error", async () => {
    for (const headers of [{}, { "x-api-key": "sk-wrong" }] as Array<Record<string, string>>) {
      const res = await post(headers);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { type: string; error: { type: string } };
      assert.equal(body.type, "error");
      assert.equal(body.error.type, "authentication_error");
    }
    const bad = new Anthropic({ baseURL: mesh.restUrl, apiKey: "sk-wrong", maxRetries: 0 });
    await assert.rejects(
      bad.messages.create({ model: "mock-fast", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
      Anthropic.AuthenticationError,
    );
  });
});

describe("count_tokens", () => {
  it("counts the translated prompt with the gateway's tokenizer", async () => {
    const small = await client.messages.countTokens({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
    const large = await client.messages.countTokens({
      model: "gpt-4o",
      system: "You are a helpful assistant who answers in long sentences.",
      tools: [lookup],
      messages: [{ role: "user", content: "hi there, how are you doing today?" }],
    });
    assert.ok(small.input_tokens > 0);
    assert.ok(large.input_tokens > small.input_tokens + 10);
  });
});

describe("the Messages API in front of the mock and an Anthropic upstream", () => {
  it("streams from the mock provider", async () => {
    const message = await client.messages
      .stream({ model: "mock-fast", max_tokens: 50, messages: [{ role: "user", content: "hi" }] })
      .finalMessage();
    assert.equal(message.content[0]?.type, "text");
    assert.ok((message.content[0] as Anthropic.TextBlock).text.length > 0);
    assert.equal(message.stop_reason, "end_turn");
  });

  it("passes an Anthropic conversation through to an Anthropic deployment", async () => {
    const message = await client.messages.create({
      model: "claude",
      max_tokens: 100,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.match(message.id, /^msg_/);
    assert.equal(message.stop_reason, "end_turn");
    assert.match((message.content[0] as Anthropic.TextBlock).text, /fake anthropic upstream/);
    const sent = anthropic.requests.at(-1)!;
    assert.equal(sent.headers["x-api-key"], ANTHROPIC_KEY);
    const body = sent.body as Record<string, unknown>;
    assert.equal(body.model, "claude-sonnet-4-5");
    assert.equal(body.max_tokens, 100);
    assert.deepEqual(body.system, [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }]);
    assert.deepEqual(body.messages, [{ role: "user", content: "Hi" }]);
  });

  it("streams an Anthropic deployment's tool call back to the SDK", async () => {
    const message = await client.messages
      .stream({
        model: "claude",
        max_tokens: 100,
        tools: [lookup],
        tool_choice: { type: "any" },
        messages: [{ role: "user", content: "Look it up" }],
      })
      .finalMessage();
    assert.equal(message.stop_reason, "tool_use");
    const use = message.content.find((b) => b.type === "tool_use");
    assert.equal(use?.type === "tool_use" && use.name, "lookup");
  });
});
