// Micro-benchmark of renderChatChunk, the per-token hot path, against the naive approach of building
// the object graph and calling JSON.stringify. Not a test: run it after a build with
//   node packages/openai/dist/bench-render.js
import assert from "node:assert/strict";
import type { llm } from "@switchyard/proto";
import { parseChatChunk, renderChatChunk } from "./index.js";
import { type JsonObject, mergeExtra } from "./json.js";
import { usageObject } from "./usage.js";

/** The naive renderer: the same output, via an intermediate object graph and one JSON.stringify. */
function naiveRenderChunk(c: llm.ChatCompletionChunk): string {
  const out: JsonObject = { id: c.id, object: "chat.completion.chunk", created: c.created, model: c.model };
  if (c.serviceTier !== undefined) out["service_tier"] = c.serviceTier;
  if (c.systemFingerprint !== undefined) out["system_fingerprint"] = c.systemFingerprint;
  out["choices"] = c.choices.map((ch) => ({
    index: ch.index,
    delta: ch.delta === undefined ? {} : naiveDelta(ch.delta),
    logprobs: ch.logprobsJson ? JSON.parse(ch.logprobsJson) : null,
    finish_reason: ch.finishReason || null,
  }));
  if (c.usage !== undefined) out["usage"] = usageObject(c.usage);
  mergeExtra(out, c.extraJson);
  return JSON.stringify(out);
}

function naiveDelta(d: llm.Delta): JsonObject {
  const out: JsonObject = {};
  if (d.role !== undefined) out["role"] = d.role;
  if (d.content !== undefined) out["content"] = d.content;
  if (d.refusal !== undefined) out["refusal"] = d.refusal;
  if (d.reasoningContent !== undefined) out["reasoning_content"] = d.reasoningContent;
  if (d.toolCalls.length > 0)
    out["tool_calls"] = d.toolCalls.map((t) => {
      const call: JsonObject = { index: t.index };
      if (t.id !== undefined) call["id"] = t.id;
      if (t.type !== undefined) call["type"] = t.type;
      const fn: JsonObject = {};
      if (t.name !== undefined) fn["name"] = t.name;
      if (t.arguments !== undefined) fn["arguments"] = t.arguments;
      if (t.name !== undefined || t.arguments !== undefined) call["function"] = fn;
      return call;
    });
  mergeExtra(out, d.extraJson);
  return out;
}

const header = {
  id: "chatcmpl-BrG5s0mHq2kQ8yZpR1aTnV3wXc",
  object: "chat.completion.chunk",
  created: 1741570283,
  model: "gpt-4o-mini-2024-07-18",
  service_tier: "default",
  system_fingerprint: "fp_b376dfbbd5",
};
const samples: Record<string, unknown> = {
  "content token": { ...header, choices: [{ index: 0, delta: { content: " world" }, finish_reason: null }] },
  "token + obfuscation": {
    ...header,
    choices: [{ index: 0, delta: { content: " the" }, logprobs: null, finish_reason: null }],
    obfuscation: "k2Zq9",
  },
  "tool-call arguments": {
    ...header,
    choices: [
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"lo' } }] }, finish_reason: null },
    ],
  },
  "final usage": {
    ...header,
    choices: [],
    usage: { prompt_tokens: 13, completion_tokens: 11, total_tokens: 24, prompt_tokens_details: { cached_tokens: 0 } },
  },
};

/** Nanoseconds per call of `op`, which returns a size so that the work cannot be optimised away. */
function nsPerOp(op: () => number, n: number): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += op();
  const ns = Number(process.hrtime.bigint() - started) / n;
  if (sink === 0) throw new Error("the benchmarked operation produced nothing");
  return ns;
}

/** The best of several runs, after a warm-up that lets V8 optimise the code under test. */
function measure(op: () => number): number {
  nsPerOp(op, 200_000);
  return Math.min(...Array.from({ length: 5 }, () => nsPerOp(op, 1_000_000)));
}

console.log(`node ${process.version}, 1,000,000 renders per run, best of 5`);
console.log("sample                  renderChatChunk   naive JSON.stringify   speed-up");
for (const [name, json] of Object.entries(samples)) {
  const chunk = parseChatChunk(json);
  assert.equal(renderChatChunk(chunk), naiveRenderChunk(chunk), `${name}: the two renderers disagree`);
  const fast = measure(() => renderChatChunk(chunk).length);
  const naive = measure(() => naiveRenderChunk(chunk).length);
  const row = [name.padEnd(24), `${fast.toFixed(0)} ns`.padStart(15), `${naive.toFixed(0)} ns`.padStart(22)];
  console.log(`${row.join(" ")}   ${(naive / fast).toFixed(2)}x`);
}
const parsed = samples["token + obfuscation"];
console.log(
  `for scale, parseChatChunk of the same token: ${measure(() => parseChatChunk(parsed).choices.length).toFixed(0)} ns`,
);
