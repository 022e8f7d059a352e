import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from "./index.js";

const ask = { model: "gpt-x", messages: [{ role: "user", content: "hello there" }] };

function post(url: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** The value at a path inside parsed JSON. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown> | undefined)?.[key], value);
}

function frames(text: string): string[] {
  return text.split("\n\n").filter(Boolean);
}

describe("fake OpenAI", () => {
  let fake: FakeUpstream;
  const auth = { authorization: "Bearer k-openai" };
  const chat = (body: unknown, headers = auth, signal?: AbortSignal) =>
    post(`${fake.url}/v1/chat/completions`, body, headers, signal);

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: "k-openai" });
  });
  after(() => fake.close());

  it("answers deterministically with usage and records the request", async () => {
    const json: unknown = await (await chat(ask)).json();
    assert.equal(at(json, "object"), "chat.completion");
    assert.equal(
      at(json, "choices", 0, "message", "content"),
      "Hello from the fake openai upstream. You said: hello there",
    );
    const usage = at(json, "usage") as Record<string, number>;
    assert.equal(usage.total_tokens, (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0));
    const seen = fake.requests.at(-1)!;
    assert.deepEqual([seen.method, seen.path, seen.body], ["POST", "/v1/chat/completions", ask]);
  });

  it("refuses a wrong key with OpenAI's 401", async () => {
    const res = await chat(ask, { authorization: "Bearer sk-wrong-key-123" });
    assert.equal(res.status, 401);
    assert.equal(at(await res.json(), "error", "code"), "invalid_api_key");
  });

  it("frames streams as OpenAI does, with usage only when asked", async () => {
    const plain = frames(await (await chat({ ...ask, stream: true })).text());
    assert.equal(plain.at(-1), "data: [DONE]");
    assert.ok(plain.slice(0, -1).every((f) => f.startsWith("data: {") && !f.includes('"usage"')));
    const metered = frames(
      await (await chat({ ...ask, stream: true, stream_options: { include_usage: true } })).text(),
    );
    const usage: unknown = JSON.parse(metered.at(-2)!.slice(6));
    assert.deepEqual(at(usage, "choices"), []);
    assert.ok(Number(at(usage, "usage", "completion_tokens")) > 0);
  });

  it("plays scripted errors, fixtures and resets in order", async () => {
    fake.script({ status: 429, body: { error: { message: "slow" } }, headers: { "retry-after": "2" } });
    fake.script({ streamFixture: "data: {}\n\ndata: [DONE]\n\n", chunkBytes: 3 });
    fake.script({ resetAfterChunks: 2 });
    const limited = await chat(ask);
    assert.deepEqual([limited.status, limited.headers.get("retry-after")], [429, "2"]);
    await limited.text();
    assert.equal(await (await chat(ask)).text(), "data: {}\n\ndata: [DONE]\n\n");
    const cut = await chat({ ...ask, stream: true });
    await assert.rejects(cut.text());
    assert.equal((await chat(ask)).status, 200);
  });

  it("plays a default behaviour for every unscripted request, holds answers and reports what is in flight", async () => {
    fake.setDefault({ status: 503, body: { error: { message: "down" } } });
    fake.script({ status: 200, body: { ok: true } });
    assert.equal((await chat(ask)).status, 200, "scripted behaviours come first");
    const down = await Promise.all([chat(ask), chat(ask)]);
    assert.deepEqual(
      down.map((r) => r.status),
      [503, 503],
    );
    fake.setDefault(undefined);
    let release: (value?: unknown) => void = () => {};
    fake.script({ waitFor: new Promise((resolve) => (release = resolve)) });
    const from = fake.requests.length;
    const held = chat(ask);
    const deadline = Date.now() + 1000;
    while (fake.inFlight === 0 && Date.now() < deadline) await sleep(5);
    assert.equal(fake.inFlight, 1);
    release();
    const answered = await held;
    assert.equal(answered.status, 200);
    await answered.text();
    await (await chat(ask)).text();
    while (fake.inFlight > 0 && Date.now() < deadline + 1000) await sleep(5);
    assert.equal(fake.inFlight, 0);
    const [first, second] = fake.requests.slice(from);
    assert.ok(first && second && second.receivedAt >= first.receivedAt);
  });

  it("counts clients that disconnect from a hanging request", async () => {
    const before = fake.onAbort;
    fake.script({ hang: true });
    const controller = new AbortController();
    const pending = chat(ask, auth, controller.signal).catch(() => undefined);
    await sleep(100);
    controller.abort();
    await pending;
    const deadline = Date.now() + 1000;
    while (fake.onAbort === before && Date.now() < deadline) await sleep(10);
    assert.equal(fake.onAbort, before + 1);
  });
});

describe("fake Anthropic", () => {
  let fake: FakeUpstream;
  const headers = { "x-api-key": "k-anthropic", "anthropic-version": "2023-06-01" };
  const messages = (body: unknown, h: Record<string, string> = headers) => post(`${fake.url}/v1/messages`, body, h);
  const ask = { model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };

  before(async () => {
    fake = await startFakeAnthropic({ apiKey: "k-anthropic" });
  });
  after(() => fake.close());

  it("answers a message and a forced tool call", async () => {
    const json: unknown = await (await messages(ask)).json();
    assert.deepEqual(
      [at(json, "type"), at(json, "stop_reason"), at(json, "content", 0, "type")],
      ["message", "end_turn", "text"],
    );
    const tools = { ...ask, tools: [{ name: "f", input_schema: { type: "object" } }], tool_choice: { type: "any" } };
    const called: unknown = await (await messages(tools)).json();
    assert.deepEqual([at(called, "stop_reason"), at(called, "content", 0, "name")], ["tool_use", "f"]);
  });

  it("checks the key, the version header and max_tokens", async () => {
    assert.equal((await messages(ask, { ...headers, "x-api-key": "nope" })).status, 401);
    assert.equal((await messages(ask, { "x-api-key": "k-anthropic" })).status, 400);
    const res = await messages({ ...ask, max_tokens: undefined });
    assert.equal(at(await res.json(), "error", "message"), "max_tokens: Field required");
  });

  it("streams the documented event sequence with a ping", async () => {
    const events = frames(await (await messages({ ...ask, stream: true })).text()).map((f) => f.split("\n")[0]);
    assert.deepEqual(events.slice(0, 3), ["event: message_start", "event: content_block_start", "event: ping"]);
    assert.deepEqual(events.slice(-3), ["event: content_block_stop", "event: message_delta", "event: message_stop"]);
  });
});
