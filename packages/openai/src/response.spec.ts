import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { parseChatChunk, parseChatCompletion, renderChatChunk, renderChatCompletion } from "./index.js";
import { fixture, fixtures, mutate, randomJson, seededRandom } from "./testdata.js";

type Json = Record<string, unknown>;

/**
 * What the canonical form cannot carry, removed from an OpenAI body: null delta fields and `usage: null`
 * on chunks (unset), and the predicted-output token counts (Usage has no field for them).
 */
function normalise(body: Json): Json {
  const copy = structuredClone(body);
  if (copy["usage"] === null) delete copy["usage"];
  const details = (copy["usage"] as Json | undefined)?.["completion_tokens_details"] as Json | undefined;
  if (details !== undefined) {
    delete details["accepted_prediction_tokens"];
    delete details["rejected_prediction_tokens"];
  }
  for (const choice of (copy["choices"] as Json[] | undefined) ?? []) {
    const delta = choice["delta"] as Json | undefined;
    for (const [k, v] of Object.entries(delta ?? {})) if (v === null) delete delta?.[k];
  }
  return copy;
}

describe("parseChatCompletion + renderChatCompletion", () => {
  for (const { name, json } of fixtures<Json>("responses").filter((f) => f.name.startsWith("openai-"))) {
    it(`renders ${name} back as OpenAI sent it`, () => {
      assert.deepEqual(JSON.parse(renderChatCompletion(parseChatCompletion(json))), normalise(json));
    });
  }

  it("reads tool calls, usage details and logprobs", () => {
    const tools = parseChatCompletion(fixture("responses", "openai-tool-calls.json"));
    assert.equal(tools.choices[0]?.finishReason, "tool_calls");
    assert.equal(tools.choices[0]?.message?.content, undefined);
    assert.equal(tools.choices[0]?.message?.toolCalls[1]?.function?.name, "get_time");
    assert.equal(tools.usage?.cachedTokens, 64);
    const reasoning = parseChatCompletion(fixture("responses", "openai-reasoning.json"));
    assert.equal(reasoning.usage?.reasoningTokens, 896);
    assert.equal(reasoning.usage?.cachedTokens, 1024);
    const logprobs = parseChatCompletion(fixture("responses", "openai-logprobs.json"));
    assert.equal(JSON.parse(logprobs.choices[0]?.logprobsJson ?? "").content[1].token, "!");
    assert.equal(logprobs.choices[1]?.finishReason, "length");
    const refusal = parseChatCompletion(fixture("responses", "openai-refusal.json"));
    assert.match(refusal.choices[0]?.message?.refusal ?? "", /can't help/);
    const audio = parseChatCompletion(fixture("responses", "openai-audio.json"));
    assert.equal(audio.usage?.completionAudioTokens, 149);
    assert.deepEqual(Object.keys(JSON.parse(audio.choices[0]?.message?.extraJson ?? "")), ["audio", "annotations"]);
  });

  it("reads DeepSeek reasoning_content and cache hits", () => {
    const c = parseChatCompletion(fixture("responses", "deepseek-reasoner.json"));
    assert.match(c.choices[0]?.message?.reasoningContent ?? "", /0\.11 < 0\.80/);
    assert.equal(c.usage?.reasoningTokens, 199);
    assert.equal(c.serviceTier, undefined);
    assert.deepEqual(JSON.parse(c.extraJson || "{}"), {});
    const rendered = JSON.parse(renderChatCompletion(c));
    assert.equal(rendered.choices[0].message.reasoning_content, c.choices[0]?.message?.reasoningContent);
    assert.equal(rendered.choices[0].message.refusal, null);
  });

  it("tolerates a provider that leaves out and nulls fields", () => {
    const c = parseChatCompletion(fixture("responses", "compat-minimal.json"));
    assert.equal(c.created, 0);
    assert.equal(c.usage, undefined);
    assert.deepEqual(
      c.choices.map((ch) => [ch.index, ch.finishReason, ch.message?.content]),
      [
        [0, "stop", "Hello there."],
        [1, "stop", undefined],
      ],
    );
    const rendered = JSON.parse(renderChatCompletion(c));
    assert.equal(rendered.usage, undefined);
    assert.equal(rendered.choices[1].message.content, null);
    assert.equal(rendered.choices[1].finish_reason, "stop");
  });

  it("keeps unmodelled choice fields (Azure content filter results, vLLM stop_reason)", () => {
    const filter = { hate: { filtered: false, severity: "safe" } };
    const body = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "hi", refusal: null },
          logprobs: null,
          finish_reason: "stop",
          content_filter_results: filter,
          stop_reason: 42,
        },
      ],
    };
    const rendered = JSON.parse(renderChatCompletion(parseChatCompletion(body)));
    assert.deepEqual(rendered.choices[0].content_filter_results, filter);
    assert.equal(rendered.choices[0].stop_reason, 42);
    const chunk = {
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [
        { index: 0, delta: { content: "x" }, logprobs: null, finish_reason: null, content_filter_results: filter },
      ],
    };
    assert.deepEqual(JSON.parse(renderChatChunk(parseChatChunk(chunk))).choices[0].content_filter_results, filter);
  });

  it("tolerates vendor variations and keeps their extra fields", () => {
    const c = parseChatCompletion(fixture("responses", "compat-vendor.json"));
    assert.equal(c.created, 1745000000);
    assert.equal(c.choices[0]?.message?.content, "Hello world");
    assert.deepEqual(c.choices[0]?.message?.toolCalls[0]?.function?.arguments, '{"a":1}');
    assert.equal(c.choices[0]?.message?.toolCalls[0]?.type, "function");
    assert.equal(c.usage?.totalTokens, 15);
    assert.equal(c.usage?.cacheCreationTokens, 7);
    assert.deepEqual(JSON.parse(c.extraJson), { provider: "Mistral", x_groq: { id: "req_01" } });
    assert.equal(JSON.parse(renderChatCompletion(c)).usage.prompt_tokens_details.cache_write_tokens, 7);
  });
});

describe("parseChatChunk + renderChatChunk", () => {
  for (const { name, json } of fixtures<Json[]>("streams").filter((f) => f.name.startsWith("openai-"))) {
    it(`renders every chunk of ${name} back as OpenAI sent it`, () => {
      for (const chunk of json) assert.deepEqual(JSON.parse(renderChatChunk(parseChatChunk(chunk))), normalise(chunk));
    });
  }

  it("accumulates a streamed answer, tool calls and the usage chunk", () => {
    const text = fixture<Json[]>("streams", "openai-text-usage.json").map(parseChatChunk);
    assert.equal(text.map((c) => c.choices[0]?.delta?.content ?? "").join(""), 'One, two, "three"\nfour, five. ✋');
    assert.equal(text[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(text[4]?.choices[0]?.finishReason, "stop");
    assert.equal(text[3]?.usage, undefined);
    assert.equal(text[5]?.choices.length, 0);
    assert.equal(text[5]?.usage?.totalTokens, 24);
    const tools = fixture<Json[]>("streams", "openai-tool-calls.json").map(parseChatChunk);
    const args = tools.flatMap((c) => c.choices[0]?.delta?.toolCalls.filter((t) => t.index === 0) ?? []);
    assert.equal(args.map((t) => t.arguments ?? "").join(""), '{"location":"Paris"}');
    assert.equal(tools[3]?.choices[0]?.delta?.toolCalls[0]?.name, "get_time");
  });

  it("reads reasoning_content deltas and usage on a DeepSeek finish chunk", () => {
    const chunks = fixture<Json[]>("streams", "deepseek-reasoning.json").map(parseChatChunk);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.reasoningContent ?? "").join(""), "Compare 9.11 and 9.8.");
    assert.equal(chunks[4]?.usage?.reasoningTokens, 30);
    const last = JSON.parse(renderChatChunk(chunks[4]!));
    assert.equal(last.choices[0].finish_reason, "stop");
    assert.equal(last.usage.completion_tokens_details.reasoning_tokens, 30);
  });

  it("renders sparse and hand-built chunks as valid JSON", () => {
    const c = parseChatChunk({ id: 'x\u2028"', choices: [{ delta: { content: "\u0000</script>" } }] });
    c.extraJson = " { } ";
    c.choices[0]!.logprobsJson = "not json";
    assert.deepEqual(JSON.parse(renderChatChunk(c)), {
      id: 'x\u2028"',
      object: "chat.completion.chunk",
      created: 0,
      model: "",
      choices: [{ index: 0, delta: { content: "\u0000</script>" }, logprobs: null, finish_reason: null }],
    });
    c.choices[0]!.delta = undefined;
    c.extraJson = '{"obfuscation":"ab"}';
    assert.equal(
      renderChatChunk(c),
      '{"id":"x\u2028\\"","object":"chat.completion.chunk","created":0,"model":"","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":null}],"obfuscation":"ab"}',
    );
  });
});

describe("malformed upstream bodies", () => {
  const unavailable = (fn: () => unknown, detail: RegExp) =>
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof GatewayError, String(err));
      assert.equal(err.detail.class, llm.ErrorClass.UNAVAILABLE);
      assert.match(err.message, /^upstream returned an invalid response: /);
      assert.match(err.message, detail);
      return true;
    });

  it("fails with UNAVAILABLE naming what is wrong", () => {
    for (const body of [null, "x", 1, [], true]) {
      unavailable(() => parseChatCompletion(body), /expected a JSON object/);
      unavailable(() => parseChatChunk(body), /expected a JSON object/);
    }
    unavailable(() => parseChatCompletion({ id: "x" }), /choices: required/);
    unavailable(() => parseChatCompletion({ choices: {} }), /choices: expected an array/);
    unavailable(() => parseChatChunk({ choices: "[]" }), /choices: expected an array/);
    unavailable(() => parseChatChunk({ choices: [1] }), /choices\[0\]: expected an object/);
    unavailable(
      () => parseChatCompletion({ choices: [{ message: { content: 5 } }] }),
      /choices\[0\]\.message\.content/,
    );
    unavailable(() => parseChatChunk({ choices: [{ delta: { tool_calls: {} } }] }), /choices\[0\]\.delta\.tool_calls/);
    unavailable(() => parseChatChunk({ choices: [], usage: 3 }), /usage: expected an object/);
  });

  it("throws nothing but GatewayError for random and mutated JSON", () => {
    const rand = seededRandom(7);
    const bodies = [
      ...fixtures<Json>("responses").map((f) => f.json),
      ...fixtures<Json[]>("streams").flatMap((f) => f.json),
    ];
    for (let i = 0; i < 20_000; i++) {
      const body = i % 4 === 0 ? randomJson(rand, 4) : mutate(bodies[i % bodies.length], rand);
      for (const [parse, render] of [
        [parseChatCompletion, renderChatCompletion],
        [parseChatChunk, renderChatChunk],
      ] as const) {
        try {
          const text = (render as (c: unknown) => string)(parse(body));
          // What the codec renders, it reads back to the same rendering.
          assert.equal((render as (c: unknown) => string)(parse(JSON.parse(text))), text);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          if (!(err instanceof GatewayError)) assert.fail(`${String(err)} for ${JSON.stringify(body).slice(0, 300)}`);
        }
      }
    }
  });
});
