import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { parseConfig } from "@switchyard/config";
import { llm, metering } from "@switchyard/proto";
import { createLogger, GatewayError } from "@switchyard/runtime";
import { type AttemptInfo, AttemptMeter, chatRequestInfo } from "./meter.js";
import { createPricer } from "./pricer.js";

const config = parseConfig(`
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o, api_key: x, input_cost_per_token: 0.000002, output_cost_per_token: 0.000008 }
  - model_name: listed
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: x }
  - model_name: unknown
    litellm_params: { model: openai/some-private-model, api_key: x }
`);
const log = createLogger("test", "silent");
const pricer = createPricer(config.deployments, log);
const deployment = (group: string) => config.deployments.find((d) => d.modelName === group)!;

function request(text = "hello there"): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "priced",
    messages: [{ role: llm.Role.USER, content: { case: "text", value: text } }],
    user: "end-user-1",
    metadata: { job: "nightly" },
    tags: ["t1", "from-body"],
  });
}

function meter(group = "priced", stream = false): [AttemptMeter, metering.UsageEvent[]] {
  const events: metering.UsageEvent[] = [];
  const info: AttemptInfo = {
    requestId: "req-1",
    attempt: 2,
    caller: create(metering.CallerSchema, { keyId: "key-1", teamId: "team-a", userId: "user-a", tags: ["t1"] }),
    requestedModel: "flaky",
    modelGroup: group,
    fallbackDepth: 1,
    deployment: deployment(group),
    ...chatRequestInfo(request()),
    stream,
  };
  return [new AttemptMeter(info, pricer, { publish: (e) => events.push(e) }), events];
}

type UsageInit = { cachedTokens?: number; cacheCreationTokens?: number; reasoningTokens?: number };
const usage = (prompt: number, completion: number, extra: UsageInit = {}) =>
  create(llm.UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    ...extra,
  });

function chunk(content: string | undefined, u?: llm.Usage): llm.ChatCompletionChunk {
  return create(llm.ChatCompletionChunkSchema, {
    choices: content === undefined ? [] : [{ index: 0, delta: { content } }],
    usage: u,
  });
}

describe("AttemptMeter", () => {
  it("records a completed attempt with caller, route, tokens and the exact cost", async () => {
    const [m, events] = meter();
    const charge = await m.finish({ status: "ok", usage: usage(1000, 500) });
    // 1000 x $2/M + 500 x $8/M = $0.002 + $0.004 = $0.006 = 6,000,000 nano-dollars
    assert.equal(charge.costNanos, 6_000_000n);
    assert.equal(charge.priceVersion.endsWith("+config"), true);
    assert.equal(charge.eventId, m.eventId);
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.equal(e.eventId, m.eventId);
    assert.equal(e.requestId, "req-1");
    assert.equal(e.attempt, 2);
    assert.equal(e.status, metering.Status.OK);
    assert.equal(e.costNanos, 6_000_000n);
    assert.equal(e.tokens?.prompt, 1000);
    assert.equal(e.tokens?.completion, 500);
    assert.equal(e.tokens?.estimated, false);
    assert.equal(e.caller?.keyId, "key-1");
    assert.equal(e.caller?.teamId, "team-a");
    assert.equal(e.caller?.endUser, "end-user-1");
    assert.deepEqual(e.caller?.tags, ["t1", "from-body"], "header tags, then the body's, once each");
    assert.deepEqual(e.caller?.metadata, { job: "nightly" });
    assert.equal(e.route?.requestedModel, "flaky");
    assert.equal(e.route?.modelGroup, "priced");
    assert.equal(e.route?.provider, "openai");
    assert.equal(e.route?.upstreamModel, "gpt-4o");
    assert.equal(e.route?.fallbackDepth, 1);
    assert.equal(e.httpStatus, 200);
    assert.equal(e.operation, "chat.completions");
    assert.ok(e.endedAtMs >= e.startedAtMs);
  });

  it("prices cached and reasoning tokens from the catalog", async () => {
    const [m] = meter("listed");
    const charge = await m.finish({
      status: "ok",
      usage: usage(10_000, 1_000, { cachedTokens: 4_000, cacheCreationTokens: 2_000, reasoningTokens: 300 }),
    });
    // claude-sonnet-4-5: $3/M input, $0.30/M cache read, $3.75/M cache write, $15/M output.
    // 4,000 uncached x 3 + 4,000 read x 0.3 + 2,000 write x 3.75 + 1,000 out x 15 (per M)
    // = 0.012 + 0.0012 + 0.0075 + 0.015 = $0.0357
    assert.equal(charge.costNanos, 35_700_000n);
  });

  it("records an unpriced model with cost 0 and says so in the price version", async () => {
    const [m, events] = meter("unknown");
    const charge = await m.finish({ status: "ok", usage: usage(10, 10) });
    assert.equal(charge.costNanos, 0n);
    assert.match(events[0]!.priceVersion, /:unpriced$/);
  });

  it("takes a stream's usage chunk and its time to first chunk", async () => {
    const [m, events] = meter("priced", true);
    m.chunk(chunk("Hel"));
    m.chunk(chunk("lo"));
    m.chunk(chunk(undefined, usage(20, 2)));
    await m.finish({ status: "ok" });
    const e = events[0]!;
    assert.equal(e.stream, true);
    assert.equal(e.tokens?.prompt, 20);
    assert.equal(e.tokens?.completion, 2);
    assert.equal(e.tokens?.estimated, false);
    assert.ok(e.ttftMs >= 0 && e.ttftMs <= e.latencyMs);
  });

  it("counts a stream without usage with the tokenizer and marks it estimated", async () => {
    const [m, events] = meter("priced", true);
    m.chunk(chunk("Hello"));
    m.chunk(chunk(" world"));
    const charge = await m.finish({ status: "ok" });
    const e = events[0]!;
    assert.equal(e.tokens?.estimated, true);
    assert.equal(charge.estimated, true);
    assert.equal(e.tokens?.completion, 2, "o200k: 'Hello', ' world'");
    // 3 per message + 3 reply primer + 'hello there' (2 tokens) = 8
    assert.equal(e.tokens?.prompt, 8);
    assert.equal(charge.costNanos, 8n * 2000n + 2n * 8000n);
  });

  it("bills a stream the client cut off for what was generated, as cancelled", async () => {
    const [m, events] = meter("priced", true);
    m.chunk(chunk("partial answer"));
    const error = new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "caller went away" });
    const charge = await m.finish({ status: "error", error });
    const e = events[0]!;
    assert.equal(e.status, metering.Status.CANCELLED);
    assert.equal(e.errorClass, llm.ErrorClass.CANCELLED);
    assert.equal(e.tokens?.estimated, true);
    assert.ok((e.tokens?.completion ?? 0) > 0);
    assert.ok(charge.costNanos > 0n);
  });

  it("charges nothing for an attempt the upstream refused, but still records it", async () => {
    const [m, events] = meter();
    const error = new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "upstream 503", httpStatus: 503 });
    const charge = await m.finish({ status: "error", error });
    assert.equal(charge.costNanos, 0n);
    const e = events[0]!;
    assert.equal(e.status, metering.Status.ERROR);
    assert.equal(e.errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.equal(e.httpStatus, 503);
    assert.equal(e.tokens?.prompt, 0);
  });

  it("estimates the prompt of an attempt that timed out: the upstream may have billed it", async () => {
    const [m, events] = meter();
    const error = new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "deadline" });
    await m.finish({ status: "error", error });
    assert.equal(events[0]!.tokens?.prompt, 8);
    assert.equal(events[0]!.tokens?.estimated, true);
  });

  it("refuses to meter an attempt twice", async () => {
    const [m, events] = meter();
    await m.finish({ status: "ok", usage: usage(1, 1) });
    await assert.rejects(m.finish({ status: "ok", usage: usage(1, 1) }));
    assert.equal(events.length, 1);
  });
});
