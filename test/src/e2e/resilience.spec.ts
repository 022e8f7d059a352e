// Fallbacks, retries and breakers through the real mesh, asserted against what scripted fake upstreams received:
// each fallback kind follows only its own error class, retries stay within num_retries and their backoff (and honour
// Retry-After), and a breaker goes open -> half-open (one probe) -> closed. Timing bounds are generous on purpose:
// the machine is shared, so only lower bounds the router itself guarantees are tight.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ALLOWED_FAILS,
  AZURE_FILTER,
  anthropicError,
  BAD_PARAM,
  CONTENT_POLICY,
  CONTEXT_LENGTH,
  gaps,
  LONG_PROMPT,
  NUM_RETRIES,
  openaiError,
  type ResilienceGateway,
  SERVER_ERROR,
  startResilienceGateway,
} from "./resilience-setup.js";

let gw: ResilienceGateway;

before(async () => {
  gw = await startResilienceGateway();
});
after(() => gw?.stop());

describe("each fallback kind follows only its own error", () => {
  it("fallbacks: an upstream 500 on every attempt falls back once the retries are spent", async () => {
    const seen = gw.watch("fbMain", "fbNext");
    gw.scriptTimes("fbMain", NUM_RETRIES + 1, { status: 500, body: SERVER_ERROR });
    const res = await gw.ask("fb");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.deployment, "fbNext");
    assert.equal(res.attempts, NUM_RETRIES + 2);
    assert.deepEqual(seen(), { fbMain: NUM_RETRIES + 1, fbNext: 1 });
  });

  it("fallbacks: a 429 cools the only deployment down and goes to the fallback without retrying it", async () => {
    const seen = gw.watch("rlMain", "fbNext");
    gw.fake("rlMain").script({
      status: 429,
      body: openaiError("Rate limit reached", "requests", "rate_limit_exceeded"),
    });
    const res = await gw.ask("fb-rl");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.deployment, "fbNext");
    assert.deepEqual(seen(), { rlMain: 1, fbNext: 1 });
  });

  it("fallbacks: a 400 is the answer, sent once and never to the fallback", async () => {
    const seen = gw.watch("fbMain", "fbNext");
    gw.fake("fbMain").script({ status: 400, body: BAD_PARAM });
    const res = await gw.ask("fb");
    assert.equal(res.status, 400);
    assert.equal(res.json.error?.code, "invalid_value");
    assert.equal(res.attempts, 1);
    assert.deepEqual(seen(), { fbMain: 1, fbNext: 0 });
  });

  it("a content-policy or context-length error is the answer where only `fallbacks` are configured", async () => {
    const seen = gw.watch("fbMain", "fbNext");
    gw.fake("fbMain").script({ status: 400, body: CONTENT_POLICY });
    const refused = await gw.ask("fb");
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error?.code, "content_policy_violation");
    gw.fake("fbMain").script({ status: 400, body: CONTEXT_LENGTH });
    const tooLong = await gw.ask("fb");
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.json.error?.code, "context_length_exceeded");
    assert.deepEqual(seen(), { fbMain: 2, fbNext: 0 });
  });

  it("with all three kinds configured, a 500 goes to `fallbacks` only", async () => {
    const seen = gw.watch("mMain", "mFb", "mCw", "mCp");
    gw.scriptTimes("mMain", NUM_RETRIES + 1, { status: 500, body: SERVER_ERROR });
    const res = await gw.ask("multi");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.deployment, "mFb");
    assert.deepEqual(seen(), { mMain: NUM_RETRIES + 1, mFb: 1, mCw: 0, mCp: 0 });
  });

  it("context_window_fallbacks: OpenAI's context_length_exceeded switches at once, without retrying", async () => {
    const seen = gw.watch("mMain", "mFb", "mCw", "mCp");
    gw.fake("mMain").script({ status: 400, body: CONTEXT_LENGTH });
    const res = await gw.ask("multi");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.deployment, "mCw");
    assert.equal(res.attempts, 2);
    assert.deepEqual(seen(), { mMain: 1, mFb: 0, mCw: 1, mCp: 0 });
  });

  it("content_policy_fallbacks: OpenAI's content_policy_violation and Azure's content_filter", async () => {
    const seen = gw.watch("mMain", "mFb", "mCw", "mCp");
    gw.fake("mMain").script({ status: 400, body: CONTENT_POLICY });
    const openai = await gw.ask("multi");
    gw.fake("mMain").script({ status: 400, body: AZURE_FILTER });
    const azure = await gw.ask("multi");
    for (const res of [openai, azure]) {
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.deployment, "mCp");
      assert.equal(res.attempts, 2);
    }
    assert.deepEqual(seen(), { mMain: 2, mFb: 0, mCw: 0, mCp: 2 });
  });

  it("a streamed request takes the same kinds before its first byte", async () => {
    const seen = gw.watch("mMain", "mFb", "mCw", "mCp");
    gw.fake("mMain").script({ status: 400, body: CONTEXT_LENGTH });
    const long = await gw.askStream("multi");
    gw.fake("mMain").script({ status: 400, body: CONTENT_POLICY });
    const refused = await gw.askStream("multi");
    // (A 5xx before the first byte falling back is failures.spec.ts's.)
    assert.deepEqual(
      [long, refused].map((r) => [r.status, r.deployment, r.text.endsWith("data: [DONE]\n\n")]),
      [
        [200, "mCw", true],
        [200, "mCp", true],
      ],
    );
    assert.deepEqual(seen(), { mMain: 2, mFb: 0, mCw: 1, mCp: 1 });
  });

  it("a plain 400 follows no fallback kind", async () => {
    const seen = gw.watch("mMain", "mFb", "mCw", "mCp");
    gw.fake("mMain").script({ status: 400, body: BAD_PARAM });
    const res = await gw.ask("multi");
    assert.equal(res.status, 400);
    assert.deepEqual(seen(), { mMain: 1, mFb: 0, mCw: 0, mCp: 0 });
  });

  it("Anthropic: prompt too long, the content filter and 529 overloaded each take their own kind", async () => {
    const seen = gw.watch("aMain", "mFb", "mCw", "mCp");
    gw.fake("aMain").script({
      status: 400,
      body: anthropicError("invalid_request_error", "prompt is too long: 210154 tokens > 200000 maximum"),
    });
    const long = await gw.ask("claude");
    assert.equal(long.deployment, "mCw", JSON.stringify(long.json));
    assert.deepEqual(seen(), { aMain: 1, mFb: 0, mCw: 1, mCp: 0 });
    gw.fake("aMain").script({
      status: 400,
      body: anthropicError("invalid_request_error", "Output blocked by content filtering policy"),
    });
    const filtered = await gw.ask("claude");
    assert.equal(filtered.deployment, "mCp", JSON.stringify(filtered.json));
    assert.deepEqual(seen(), { aMain: 2, mFb: 0, mCw: 1, mCp: 1 });
    gw.scriptTimes("aMain", NUM_RETRIES + 1, { status: 529, body: anthropicError("overloaded_error", "Overloaded") });
    const overloaded = await gw.ask("claude");
    assert.equal(overloaded.deployment, "mFb", JSON.stringify(overloaded.json));
    assert.deepEqual(seen(), { aMain: 2 + NUM_RETRIES + 1, mFb: 1, mCw: 1, mCp: 1 });
    for (const res of [long, filtered, overloaded]) assert.equal(res.status, 200);
  });

  it("context window decided before sending: the small deployment gets zero calls", async () => {
    const seen = gw.watch("sSmall", "mCw", "xSmall", "xLarge", "sAlone", "fbNext");
    const short = await gw.ask("small");
    assert.equal(short.deployment, "sSmall", "a prompt that fits is sent");
    const long = await gw.ask("small", LONG_PROMPT);
    assert.equal(long.status, 200, JSON.stringify(long.json));
    assert.equal(long.deployment, "mCw");
    assert.equal(long.attempts, 1, "the refused deployment was never attempted");
    for (let i = 0; i < 6; i++) assert.equal((await gw.ask("mixed", LONG_PROMPT)).deployment, "xLarge");
    // Without a context_window_fallbacks rule the request fails as too long, and plain `fallbacks` are not used.
    const alone = await gw.ask("small-alone", LONG_PROMPT);
    assert.equal(alone.status, 400);
    assert.equal(alone.json.error?.code, "context_length_exceeded");
    assert.equal(alone.attempts, 0);
    assert.deepEqual(seen(), { sSmall: 1, mCw: 1, xSmall: 0, xLarge: 6, sAlone: 0, fbNext: 0 });
  });

  it("a 500 never goes to context_window_fallbacks", async () => {
    const seen = gw.watch("sSmall", "mCw");
    gw.scriptTimes("sSmall", NUM_RETRIES + 1, { status: 500, body: SERVER_ERROR });
    const res = await gw.ask("small");
    assert.equal(res.status, 503);
    assert.deepEqual(seen(), { sSmall: NUM_RETRIES + 1, mCw: 0 });
  });
});

describe("retries", () => {
  it("makes at most num_retries + 1 attempts per group on 500s, with backoff well under its 2 s cap", async () => {
    const f = gw.fake("r1");
    const from = f.requests.length;
    f.setDefault({ status: 500, body: SERVER_ERROR });
    try {
      const started = performance.now();
      const res = await gw.ask("retry");
      const elapsed = performance.now() - started;
      assert.equal(res.status, 503);
      assert.equal(res.attempts, NUM_RETRIES + 1);
      const calls = f.requests.slice(from);
      assert.equal(calls.length, NUM_RETRIES + 1);
      // Full jitter: retry n waits up to 50 ms * 2^(n-1); the bound leaves seconds for a loaded machine.
      for (const gap of gaps(calls)) assert.ok(gap < 1_500, `gap ${gap} ms between attempts`);
      assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
    } finally {
      f.setDefault(undefined);
    }
  });

  it("succeeds on the last allowed attempt", async () => {
    // A deployment of its own: r1's breaker is one failure away from opening after the test above.
    const seen = gw.watch("r2");
    gw.scriptTimes("r2", NUM_RETRIES, { status: 502, body: SERVER_ERROR });
    const res = await gw.ask("retry-ok");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.attempts, NUM_RETRIES + 1);
    assert.deepEqual(seen(), { r2: NUM_RETRIES + 1 });
  });

  it("honours Retry-After on a 503 before retrying the same deployment", async () => {
    const f = gw.fake("rh1");
    const from = f.requests.length;
    f.script({ status: 503, body: SERVER_ERROR, headers: { "retry-after": "1" } });
    const res = await gw.ask("retry-header");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const [gap] = gaps(f.requests.slice(from));
    assert.ok(gap !== undefined && gap >= 950, `retried after ${gap} ms, before the 1 s Retry-After`);
    assert.ok(gap < 4_000, `retried after ${gap} ms`);
  });

  it("honours a 429's Retry-After: the next attempt waits for it and goes to the deployment not cooling", async () => {
    const seen = gw.watch("ra1", "ra2");
    const from = { ra1: gw.fake("ra1").requests.length, ra2: gw.fake("ra2").requests.length };
    const limited = { status: 429, body: openaiError("Rate limit reached", "requests", "rate_limit_exceeded") };
    // Both answer their first call with a 429 asking for 1 s, so whichever is picked first, the request needs three
    // attempts: one on each (each then cools down for 1 s), and the first again once its cooldown is over.
    gw.scriptTimes("ra1", 1, limited, { "retry-after": "1" });
    gw.scriptTimes("ra2", 1, limited, { "retry-after": "1" });
    const res = await gw.ask("retry-after");
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.attempts, 3);
    assert.deepEqual(Object.values(seen()).sort(), [1, 2]);
    const calls = [...gw.fake("ra1").requests.slice(from.ra1), ...gw.fake("ra2").requests.slice(from.ra2)];
    for (const gap of gaps(calls)) assert.ok(gap >= 950 && gap < 4_000, `attempts ${gap} ms apart`);
  });

  it("does not wait for a Retry-After over 10 s: the fallback serves at once", async () => {
    const seen = gw.watch("rl1", "rl2", "fbNext");
    const limited = { status: 429, body: openaiError("Rate limit reached", "requests", "rate_limit_exceeded") };
    gw.scriptTimes("rl1", 1, limited, { "retry-after": "30" });
    gw.scriptTimes("rl2", 1, limited, { "retry-after": "30" });
    const started = performance.now();
    const res = await gw.ask("retry-long");
    const elapsed = performance.now() - started;
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.deployment, "fbNext");
    const counts = seen();
    assert.equal((counts["rl1"] ?? 0) + (counts["rl2"] ?? 0), 1, JSON.stringify(counts));
    assert.equal(counts["fbNext"], 1);
    assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
  });

  it("never retries a 400, even with another deployment in the group", async () => {
    const seen = gw.watch("n1", "n2");
    gw.fake("n1").script({ status: 400, body: BAD_PARAM });
    gw.fake("n2").script({ status: 400, body: BAD_PARAM });
    const res = await gw.ask("no-retry");
    assert.equal(res.status, 400);
    assert.equal(res.attempts, 1);
    const counts = seen();
    assert.equal((counts["n1"] ?? 0) + (counts["n2"] ?? 0), 1, JSON.stringify(counts));
  });

  it("stops retrying a deployment once its retry budget (10 a minute at this volume) is spent", async () => {
    const f = gw.fake("bu1");
    const limited = { status: 429, body: openaiError("Rate limit reached", "requests", "rate_limit_exceeded") };
    // Retry-After: 0 puts it in no cooldown, so every retry goes back to the same deployment.
    f.setDefault({ ...limited, headers: { "retry-after": "0" } });
    try {
      const perRequest: number[] = [];
      for (let i = 0; i < 6; i++) {
        const seen = gw.watch("bu1");
        const res = await gw.ask("budget");
        assert.equal(res.status, 429);
        perRequest.push(seen()["bu1"] ?? 0);
      }
      assert.deepEqual(perRequest, [3, 3, 3, 3, 3, 1]);
    } finally {
      f.setDefault(undefined);
    }
  });
});

describe("breaker lifecycle", () => {
  it("opens after allowed_fails failures, stays silent while open, probes once when half-open, then closes", async () => {
    const f = gw.fake("bk");
    const calls = () => f.requests.length;
    f.setDefault({ status: 500, body: SERVER_ERROR });
    // 1. Opens after its threshold: allowed_fails calls that all failed (the first request's three attempts, then one).
    assert.equal((await gw.ask("breaker")).status, 503);
    assert.equal(calls(), NUM_RETRIES + 1);
    assert.equal(await gw.breakerOf("bk"), "closed");
    assert.equal((await gw.ask("breaker")).status, 503);
    assert.equal(calls(), ALLOWED_FAILS, "the breaker opened on the failure that reached allowed_fails");
    assert.equal(await gw.breakerOf("bk"), "open");
    f.setDefault(undefined);

    // 2. Open: no upstream call at all.
    for (let i = 0; i < 3; i++) {
      const res = await gw.ask("breaker");
      assert.equal(res.status, 503);
      assert.match(res.json.error?.message ?? "", /cooling down/);
    }
    assert.equal(calls(), ALLOWED_FAILS);

    // 3. Half-open, the probe gets a 400: the breaker opens again rather than closing.
    await gw.breakerBecomes("bk", "half-open");
    f.script({ status: 400, body: BAD_PARAM });
    const rejected = await gw.ask("breaker");
    assert.equal(rejected.status, 400);
    assert.equal(calls(), ALLOWED_FAILS + 1);
    assert.equal(await gw.breakerOf("bk"), "open");
    assert.equal((await gw.ask("breaker")).status, 503);
    assert.equal(calls(), ALLOWED_FAILS + 1, "open again after the 4xx probe");

    // 4. Half-open again: one probe, held by the fake while four more requests arrive; they get no upstream call.
    await gw.breakerBecomes("bk", "half-open");
    let release: (value?: unknown) => void = () => {};
    f.script({ waitFor: new Promise((resolve) => (release = resolve)) });
    const probe = gw.ask("breaker");
    try {
      const deadline = Date.now() + 10_000;
      while (calls() < ALLOWED_FAILS + 2 && Date.now() < deadline) await sleep(20);
      assert.equal(calls(), ALLOWED_FAILS + 2, "the probe reached the upstream");
      const others = await Promise.all(Array.from({ length: 4 }, () => gw.ask("breaker")));
      for (const res of others) {
        assert.equal(res.status, 503);
        assert.match(res.json.error?.message ?? "", /cooling down/);
      }
      assert.equal(calls(), ALLOWED_FAILS + 2, "exactly one probe while half-open");
    } finally {
      release();
    }
    const probed = await probe;
    assert.equal(probed.status, 200, JSON.stringify(probed.json));

    // 5. The probe's success closed it: requests reach the upstream again.
    assert.equal(await gw.breakerOf("bk"), "closed");
    for (let i = 0; i < 3; i++) assert.equal((await gw.ask("breaker")).status, 200);
    assert.equal(calls(), ALLOWED_FAILS + 5);
  });
});
