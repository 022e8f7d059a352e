import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { assertChatCompletion, readChatStream } from "../conformance.js";
import { ANTHROPIC_KEY, type Gateway, MASTER_KEY, startGateway } from "./setup.js";

let gw: Gateway;
let client: OpenAI;

before(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(() => gw?.stop());

describe("an Anthropic-backed model answers in OpenAI's format", () => {
  it("translates a non-streamed completion and the request Anthropic receives", async () => {
    const completion = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    });
    assertChatCompletion(completion);
    assert.ok(completion.choices[0]?.message.content);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    const sent = gw.anthropic.requests.at(-1)!;
    assert.equal(sent.path, "/v1/messages");
    assert.equal(sent.headers["x-api-key"], ANTHROPIC_KEY);
    assert.equal(sent.headers["anthropic-version"], "2023-06-01");
    const body = sent.body as Record<string, unknown>;
    assert.equal(body.model, "claude-sonnet-4-5");
    assert.equal(body.system, "Be brief.");
    assert.ok(typeof body.max_tokens === "number" && body.max_tokens > 0);
    assert.deepEqual(body.messages, [{ role: "user", content: "Hi" }]);
  });

  it("streams Anthropic events as OpenAI chunks", async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Hi" }],
    });
    const { text, finish, usage } = await readChatStream(stream);
    assert.ok(text.length > 0);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
  });

  it("translates tool calls", async () => {
    const completion = await client.chat.completions.create({
      model: "claude",
      tools: [
        {
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
        },
      ],
      tool_choice: "required",
      messages: [{ role: "user", content: "look it up" }],
    });
    assertChatCompletion(completion);
    const body = gw.anthropic.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(body.tool_choice, { type: "any" });
    assert.deepEqual((body.tools as unknown[])[0], {
      name: "lookup",
      input_schema: { type: "object", properties: { q: { type: "string" } } },
    });
  });
});
