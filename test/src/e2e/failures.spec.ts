import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import { assertChatCompletion, assertErrorResponse } from "../conformance.js";
import { type Gateway, MASTER_KEY, startGateway } from "./setup.js";

let gw: Gateway;

before(async () => {
  gw = await startGateway();
});
after(() => gw?.stop());

function post(body: unknown, init: { signal?: AbortSignal; headers?: Record<string, string> } = {}) {
  return fetch(`${gw.mesh.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

const ask = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "hello" }],
  ...extra,
});

describe("failure paths through the mesh", () => {
  it("falls back to the next model group on an upstream 500", async () => {
    const before = gw.backup.requests.length;
    gw.openai.script({
      status: 500,
      body: { error: { message: "boom", type: "server_error", param: null, code: null } },
    });
    const res = await post(ask("primary"));
    const json = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    assertChatCompletion(json);
    assert.equal(res.headers.get("x-switchyard-deployment"), "backup/0");
    assert.equal(res.headers.get("x-switchyard-attempts"), "2");
    assert.equal(gw.backup.requests.length, before + 1);
  });

  it("falls back before the first byte of a stream", async () => {
    gw.openai.script({
      status: 503,
      body: { error: { message: "overloaded", type: "server_error", param: null, code: null } },
    });
    const res = await post(ask("primary", { stream: true }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-switchyard-deployment"), "backup/0");
    assert.ok((await res.text()).endsWith("data: [DONE]\n\n"));
  });

  it("keeps an upstream 400 with its status and does not fall back", async () => {
    const before = gw.backup.requests.length;
    gw.openai.script({
      status: 400,
      body: {
        error: {
          message: "Invalid value for 'top_logprobs'",
          type: "invalid_request_error",
          param: "top_logprobs",
          code: "invalid_value",
        },
      },
    });
    const res = await post(ask("primary"));
    const json = await res.json();
    assert.equal(res.status, 400);
    assertErrorResponse(json);
    assert.equal(json.error.param, "top_logprobs");
    assert.match(json.error.message, /top_logprobs/);
    assert.equal(res.headers.get("x-switchyard-attempts"), "1");
    assert.equal(gw.backup.requests.length, before, "no fallback on 400");
  });

  it("ends a stream that fails after its first byte with an error event, never [DONE]", async () => {
    gw.openai.script({ resetAfterChunks: 2 });
    const res = await post(ask("gpt-4o", { stream: true }));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes("[DONE]"), text);
    const last = text.trim().split("\n\n").at(-1) ?? "";
    const event = JSON.parse(last.slice("data: ".length));
    assertErrorResponse(event);
  });

  it("opens the breaker after its threshold and then skips the deployment without calling it", async () => {
    for (let i = 0; i < 4; i++)
      gw.flaky.script({
        status: 500,
        body: { error: { message: "down", type: "server_error", param: null, code: null } },
      });
    for (let i = 0; i < 4; i++) {
      const res = await post(ask("breaker"));
      assert.equal(res.status, 503, `attempt ${i}`);
      await res.text();
    }
    const calls = gw.flaky.requests.length;
    for (let i = 0; i < 5; i++) {
      const res = await post(ask("breaker"));
      const json = await res.json();
      assert.equal(res.status, 503);
      assertErrorResponse(json);
      assert.match(json.error.message, /cooling down/);
    }
    assert.equal(gw.flaky.requests.length, calls, "open breaker makes no upstream calls");
  });

  it("cancels the upstream request when the client disconnects", async () => {
    const aborted = gw.openai.onAbort;
    gw.openai.script({ hang: true });
    const controller = new AbortController();
    const pending = post(ask("gpt-4o", { stream: true }), { signal: controller.signal }).catch(() => undefined);
    await sleep(300);
    controller.abort();
    await pending;
    const deadline = Date.now() + 1_000;
    while (gw.openai.onAbort === aborted && Date.now() < deadline) await sleep(20);
    assert.equal(gw.openai.onAbort, aborted + 1, "upstream saw the disconnect within a second");
  });

  it("refuses oversized and malformed bodies with OpenAI errors", async () => {
    const big = JSON.stringify(ask("gpt-4o", { padding: "x".repeat(11 * 1024 * 1024) }));
    const res = await post(big);
    assert.equal(res.status, 413);
    assertErrorResponse(await res.json());
    for (const body of [
      "[]",
      "null",
      '"text"',
      "{",
      '{"model":1}',
      '{"model":"gpt-4o","messages":"hi"}',
      '{"__proto__":{"x":1},"model":"gpt-4o","messages":[]}',
    ]) {
      const r = await post(body);
      assert.equal(r.status, 400, body);
      assertErrorResponse(await r.json());
    }
  });

  it("serves 200 concurrent requests", async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? client.chat.completions
              .create({ model: "gpt-4o", messages: [{ role: "user", content: `q${i}` }] })
              .then((c) => c.choices.length)
          : client.chat.completions
              .create({ model: "mock-fast", stream: true, messages: [{ role: "user", content: `q${i}` }] })
              .then(async (s) => {
                let n = 0;
                for await (const _ of s) n++;
                return n;
              }),
      ),
    );
    assert.equal(results.length, 200);
    assert.ok(results.every((n) => n > 0));
  });
});
