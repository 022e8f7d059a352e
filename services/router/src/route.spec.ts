import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment, RouterSettings } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { createLogger, GatewayError } from "@switchyard/runtime";
import { createBreakers } from "./breakers.js";
import { createModelGroups, fallbackChain, pickWeighted } from "./groups.js";
import { FailedAttempts, RETRY_BUDGET_FLOOR, type RoutingFailed, retryDelayMs, route } from "./route.js";
import { createStats } from "./stats.js";

const dep = (modelName: string, n = 0, weight = 1): Deployment => ({
  id: `${modelName}/${n}`,
  modelName,
  provider: "mock",
  model: modelName,
  weight,
  tags: [],
  modelInfo: {},
  params: {},
  source: `model_list[${n}]`,
});

const settings = (over: Partial<RouterSettings> = {}): RouterSettings => ({
  routingStrategy: "simple-shuffle",
  numRetries: 1,
  timeoutMs: 1000,
  fallbacks: [{ from: "a", to: ["b"] }],
  contextWindowFallbacks: [],
  contentPolicyFallbacks: [],
  defaultFallbacks: [],
  ...over,
});

const log = createLogger("test", "silent");
const fail = (cls: llm.ErrorClass) => new GatewayError({ class: cls, message: llm.ErrorClass[cls] });

function deps(over: Partial<RouterSettings> = {}, volumeThreshold = 100) {
  return {
    groups: createModelGroups([dep("a", 0), dep("a", 1), dep("b", 0), dep("anthropic/*", 0), dep("*", 0)]),
    settings: settings(over),
    breakers: createBreakers(
      { errorThresholdPercentage: 50, volumeThreshold, windowMs: 10_000, resetTimeoutMs: 60_000 },
      log,
    ),
  };
}

describe("route", () => {
  it("routes a tagged request to the tagged deployment, and records each attempt for the strategies", async () => {
    const tagged = { ...dep("t", 1), tags: ["eu"] };
    const stats = createStats();
    const d = { ...deps({ tagFiltering: true }), groups: createModelGroups([dep("t", 0), tagged]), stats };
    for (let i = 0; i < 20; i++) {
      const routed = await route("t", d, async () => "ok", { tags: ["eu"] });
      assert.equal(routed.deployment.id, "t/1");
    }
    assert.equal(stats.requestsLastMinute("t/1"), 20);
    assert.equal(stats.inFlight("t/1"), 0);
    assert.ok((stats.latencyMs("t/1") ?? -1) >= 0);
  });

  it("backs off before a retry, honours a short Retry-After and skips to the fallbacks on a long one", async () => {
    assert.equal(
      retryDelayMs(1, undefined, 0, () => 1),
      50,
    );
    assert.equal(
      retryDelayMs(3, undefined, 0, () => 1),
      200,
    );
    assert.equal(
      retryDelayMs(20, undefined, 0, () => 1),
      2_000,
      "capped",
    );
    assert.equal(
      retryDelayMs(1, undefined, 300, () => 0),
      300,
      "router_settings.retry_after is the least wait",
    );
    const limited = (seconds: number) =>
      new GatewayError({ class: llm.ErrorClass.RATE_LIMITED, message: "slow down", retryAfterSeconds: seconds });
    assert.equal(
      retryDelayMs(1, limited(2), 0, () => 0),
      2_000,
    );
    assert.equal(
      retryDelayMs(1, limited(30), 0, () => 0),
      undefined,
    );

    const seen: string[] = [];
    const started = Date.now();
    const routed = await route("a", deps(), async ({ deployment }) => {
      seen.push(deployment.id);
      if (deployment.modelName === "a") throw limited(seen.length === 1 ? 0.2 : 60);
      return "ok";
    });
    assert.equal(routed.value, "ok");
    assert.equal(seen.length, 3, "retried after 0.2 s, then the 60 s Retry-After sent it to the fallback");
    assert.ok(Date.now() - started >= 190, "waited for the Retry-After");
  });

  it("bounds every attempt by the request's deadline and stops there, without blaming the deployment", async () => {
    // volumeThreshold 1: a single counted failure would open the breaker.
    const d = deps({ timeoutMs: 60_000, firstTokenTimeoutMs: 30_000 }, 1);
    const seen: Array<{ id: string; timeoutMs: number; firstTokenMs: number }> = [];
    const deadline = Date.now() + 200;
    await assert.rejects(
      route(
        "a",
        d,
        async ({ deployment, timeoutMs, firstTokenMs }) => {
          seen.push({ id: deployment.id, timeoutMs, firstTokenMs });
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
          throw fail(llm.ErrorClass.TIMEOUT);
        },
        { deadline },
      ),
      (err: RoutingFailed) => err.error.errorClass === llm.ErrorClass.TIMEOUT && /total_timeout/.test(err.message),
    );
    assert.equal(seen.length, 1, "no attempt starts once the deadline has passed");
    assert.ok(seen[0]!.timeoutMs <= 200 && seen[0]!.firstTokenMs <= 200, "the attempt's limits end at the deadline");
    assert.equal(
      d.breakers.states()[seen[0]!.id],
      "closed",
      "the request's own deadline is not the deployment's fault",
    );
  });

  it("goes to the fallbacks when a retry's wait would end past the deadline", async () => {
    const limited = new GatewayError({
      class: llm.ErrorClass.RATE_LIMITED,
      message: "slow down",
      retryAfterSeconds: 2,
    });
    const seen: string[] = [];
    const routed = await route(
      "a",
      deps(),
      async ({ deployment }) => {
        seen.push(deployment.modelName);
        if (deployment.modelName === "a") throw limited;
        return "ok";
      },
      { deadline: Date.now() + 1_000 },
    );
    assert.equal(routed.value, "ok");
    assert.deepEqual(seen, ["a", "b"], "the 2 s Retry-After does not fit in the 1 s left");
  });

  it("keeps retries within the deployment's retry budget, then falls back at once", async () => {
    const stats = createStats();
    for (let i = 0; i < RETRY_BUDGET_FLOOR; i++) stats.retried("a/0");
    for (let i = 0; i < RETRY_BUDGET_FLOOR; i++) stats.retried("a/1");
    const seen: string[] = [];
    const routed = await route("a", { ...deps(), stats }, async ({ deployment }) => {
      seen.push(deployment.id);
      if (deployment.modelName === "a") throw fail(llm.ErrorClass.UNAVAILABLE);
      return "ok";
    });
    assert.equal(routed.value, "ok");
    assert.equal(seen.length, 2, "no retry within a: straight from the first failure to the fallback");
  });

  describe("three kinds of fallback", () => {
    const kinds = () => ({
      ...deps({
        fallbacks: [{ from: "a", to: ["b"] }],
        contextWindowFallbacks: [{ from: "a", to: ["long"] }],
        contentPolicyFallbacks: [{ from: "a", to: ["lenient"] }],
      }),
      groups: createModelGroups([
        dep("a", 0),
        dep("b", 0),
        dep("long", 0),
        dep("lenient", 0),
        { ...dep("small", 0), modelInfo: { max_input_tokens: 10 } },
        { ...dep("small", 1), modelInfo: { max_input_tokens: 20 } },
        { ...dep("big", 0), modelInfo: { max_input_tokens: 1_000 } },
      ]),
    });
    const failingWith =
      (cls: llm.ErrorClass, seen: string[]) =>
      async ({ deployment }: { deployment: Deployment }) => {
        seen.push(deployment.modelName);
        if (deployment.modelName === "a") throw fail(cls);
        return deployment.modelName;
      };

    it("each kind of failure takes its own fallbacks, and only its own", async () => {
      const cases: [llm.ErrorClass, string, string[]][] = [
        [llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED, "long", ["a", "long"]],
        [llm.ErrorClass.CONTENT_POLICY, "lenient", ["a", "lenient"]],
        [llm.ErrorClass.UNAVAILABLE, "b", ["a", "a", "b"]],
      ];
      for (const [cls, expected, path] of cases) {
        const seen: string[] = [];
        const routed = await route("a", kinds(), failingWith(cls, seen));
        assert.equal(routed.value, expected, llm.ErrorClass[cls]);
        assert.deepEqual(seen, path, llm.ErrorClass[cls]);
      }
    });

    it("without a rule for the kind, the provider's error is the answer", async () => {
      for (const cls of [llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED, llm.ErrorClass.CONTENT_POLICY]) {
        const d = kinds();
        await assert.rejects(
          route("b", { ...d, groups: createModelGroups([dep("b", 0)]) }, async () => {
            throw fail(cls);
          }),
          (err: RoutingFailed) => err.error.errorClass === cls && err.attempts === 1,
        );
      }
    });

    it("leaves out deployments whose declared context window the counted prompt exceeds, before sending", async () => {
      const d = { ...kinds(), settings: settings({ contextWindowFallbacks: [{ from: "small", to: ["big"] }] }) };
      const seen: string[] = [];
      const run = async ({ deployment }: { deployment: Deployment }) => {
        seen.push(deployment.id);
        return deployment.id;
      };
      const fits = await route("small", d, run, { promptTokens: async () => 15 });
      assert.equal(fits.value, "small/1", "only the deployment with room for 15 tokens");
      const tooLong = await route("small", d, run, { promptTokens: async () => 500 });
      assert.equal(tooLong.value, "big/0");
      assert.deepEqual(seen, ["small/1", "big/0"], "nothing was sent to a deployment the prompt does not fit");
      await assert.rejects(
        route("big", d, run, { promptTokens: async () => 5_000 }),
        (err: RoutingFailed) => err.error.errorClass === llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED && err.attempts === 0,
      );
    });

    it("never visits a group twice or more than six groups in all", async () => {
      const loop = {
        ...deps({ fallbacks: [{ from: "a", to: ["b"] }], contextWindowFallbacks: [{ from: "b", to: ["a"] }] }),
        groups: createModelGroups([dep("a", 0), dep("b", 0)]),
      };
      const seen: string[] = [];
      await assert.rejects(
        route("a", loop, async ({ deployment }) => {
          seen.push(deployment.modelName);
          throw fail(
            deployment.modelName === "a" ? llm.ErrorClass.UNAVAILABLE : llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED,
          );
        }),
      );
      assert.deepEqual(seen, ["a", "a", "b"]);
    });
  });

  it("uses the client's fallbacks in place of the configured ones", async () => {
    const d = { ...deps(), groups: createModelGroups([dep("a", 0), dep("b", 0), dep("c", 0)]) };
    const seen: string[] = [];
    const routed = await route(
      "a",
      d,
      async ({ deployment }) => {
        seen.push(deployment.modelName);
        if (deployment.modelName === "a") throw fail(llm.ErrorClass.UNAVAILABLE);
        return deployment.modelName;
      },
      { fallbacks: ["c"] },
    );
    assert.equal(routed.value, "c");
    assert.deepEqual(seen, ["a", "a", "c"], "the configured fallback b was not used");
  });

  it("moves on to the fallback group when the strategy has no deployment to offer", async () => {
    const picker = { pick: (c: readonly Deployment[]) => (c[0]?.modelName === "a" ? undefined : c[0]) };
    const routed = await route("a", { ...deps(), picker }, async ({ deployment }) => deployment.id);
    assert.equal(routed.value, "b/0");
    await assert.rejects(
      route("b", { ...deps(), picker: { pick: () => undefined } }, async () => "never"),
      (err: RoutingFailed) => err.error.errorClass === llm.ErrorClass.RATE_LIMITED,
    );
  });

  it("retries on another deployment of the group, then falls back", async () => {
    const seen: string[] = [];
    const routed = await route("a", deps(), async ({ deployment }) => {
      seen.push(deployment.id);
      if (deployment.modelName === "a") throw fail(llm.ErrorClass.UNAVAILABLE);
      return "ok";
    });
    assert.equal(routed.value, "ok");
    assert.equal(routed.deployment.id, "b/0");
    assert.equal(routed.attempts, 3);
    assert.deepEqual(
      new Set(seen.slice(0, 2)),
      new Set(["a/0", "a/1"]),
      "both deployments of a tried before falling back",
    );
  });

  for (const cls of [
    llm.ErrorClass.INVALID_REQUEST,
    llm.ErrorClass.AUTH,
    llm.ErrorClass.NOT_FOUND,
    llm.ErrorClass.PAYLOAD_TOO_LARGE,
    llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED,
  ]) {
    it(`never retries or falls back on ${llm.ErrorClass[cls]}`, async () => {
      let calls = 0;
      await assert.rejects(
        route("a", deps(), async () => {
          calls++;
          throw fail(cls);
        }),
        (err: RoutingFailed) => err.error.errorClass === cls && err.attempts === 1,
      );
      assert.equal(calls, 1);
    });
  }

  for (const cls of [llm.ErrorClass.RATE_LIMITED, llm.ErrorClass.TIMEOUT, llm.ErrorClass.UNAVAILABLE]) {
    it(`falls back on ${llm.ErrorClass[cls]} and reports the last error when all fail`, async () => {
      let calls = 0;
      await assert.rejects(
        route("a", deps(), async () => {
          calls++;
          throw fail(cls);
        }),
        (err: RoutingFailed) => err.error.errorClass === cls && err.attempts === calls,
      );
      // (1 + num_retries) attempts in each of a and b; a 429 cools its deployment down, so b is not asked again.
      assert.equal(calls, cls === llm.ErrorClass.RATE_LIMITED ? 3 : 4);
    });
  }

  it("answers 404 for an unknown model without any attempt", async () => {
    const d = { ...deps(), groups: createModelGroups([dep("a")]) };
    await assert.rejects(
      route("missing", d, async () => "never"),
      (err: RoutingFailed) =>
        err.error.errorClass === llm.ErrorClass.NOT_FOUND && err.attempts === 0 && /missing/.test(err.message),
    );
  });

  it("resolves wildcard groups, most specific first", () => {
    const groups = deps().groups;
    assert.equal(groups.resolve("anthropic/claude-3")?.name, "anthropic/*");
    assert.equal(groups.resolve("gpt-4o")?.name, "*");
    assert.equal(groups.resolve("a")?.name, "a");
    assert.deepEqual(groups.names(), ["a", "b"]);
  });

  it("skips a deployment whose breaker is open without calling it", async () => {
    const d = { ...deps({ numRetries: 0, fallbacks: [] }, 2), groups: createModelGroups([dep("a")]) };
    let calls = 0;
    const failing = async () => {
      calls++;
      throw fail(llm.ErrorClass.UNAVAILABLE);
    };
    for (let i = 0; i < 2; i++) await assert.rejects(route("a", d, failing));
    assert.equal(d.breakers.isOpen("a/0"), true);
    await assert.rejects(route("a", d, failing), (err: RoutingFailed) => /cooling down/.test(err.message));
    assert.equal(calls, 2);
    d.breakers.shutdown();
  });

  it("does not count client errors against the breaker", async () => {
    const d = { ...deps({ numRetries: 0, fallbacks: [] }, 2), groups: createModelGroups([dep("a")]) };
    for (let i = 0; i < 5; i++)
      await assert.rejects(route("a", d, async () => Promise.reject(fail(llm.ErrorClass.INVALID_REQUEST))));
    assert.equal(d.breakers.isOpen("a/0"), false);
    d.breakers.shutdown();
  });
});

describe("fallbackChain and pickWeighted", () => {
  it("bounds the chain and drops repeats", () => {
    assert.deepEqual(fallbackChain("a", [{ from: "a", to: ["b", "a", "c", "b"] }], []), ["a", "b", "c"]);
    assert.deepEqual(fallbackChain("x", [], ["d"]), ["x", "d"]);
    assert.equal(fallbackChain("a", [{ from: "a", to: ["1", "2", "3", "4", "5", "6", "7"] }], []).length, 6);
  });

  it("chooses by weight", () => {
    const heavy = dep("g", 0, 3);
    const light = dep("g", 1, 1);
    assert.equal(
      pickWeighted([heavy, light], () => 0.74),
      heavy,
    );
    assert.equal(
      pickWeighted([heavy, light], () => 0.76),
      light,
    );
    let hits = 0;
    for (let i = 0; i < 4000; i++) if (pickWeighted([heavy, light]) === heavy) hits++;
    assert.ok(hits > 2700 && hits < 3300, `heavy chosen ${hits}/4000`);
  });
});

describe("what failed attempts were charged", () => {
  /** A failure as a worker reports it: its class and what the attempt was charged (undefined: never answered). */
  const charged = (cls: llm.ErrorClass, costNanos?: bigint, promptTokens = 0) =>
    new GatewayError({
      class: cls,
      message: llm.ErrorClass[cls],
      ...(costNanos === undefined ? {} : { costNanos, promptTokens }),
    });

  it("adds up the failed attempts before the answer, leaving out attempts an open breaker stopped", async () => {
    const answers = [charged(llm.ErrorClass.TIMEOUT, 700n, 7), charged(llm.ErrorClass.UNAVAILABLE, 0n)];
    const routed = await route("a", deps(), async () => {
      const next = answers.shift();
      if (next) throw next;
      return "ok";
    });
    assert.equal(routed.attempts, 3);
    assert.equal(routed.failed.costNanos, 700n);
    assert.equal(routed.failed.promptTokens, 7);
    assert.equal(routed.failed.known, true);
    assert.equal(routed.failed.charged, true);
  });

  it("puts the sum of every attempt on the error of a request that failed, when each one is known", async () => {
    const answers = [charged(llm.ErrorClass.TIMEOUT, 700n, 7), charged(llm.ErrorClass.TIMEOUT, 300n, 3)];
    const failed = (await route("a", deps({ fallbacks: [] }), async () => {
      throw answers.shift();
    }).catch((err: unknown) => err)) as RoutingFailed;
    assert.equal(failed.attempts, 2);
    failed.failed.stamp(failed.error);
    assert.equal(failed.error.detail.costNanos, 1000n, "both attempts, not the last one's own charge");
    assert.equal(failed.error.detail.promptTokens, 10);
  });

  it("leaves the charge out when an attempt's worker never said what it cost", async () => {
    const answers = [charged(llm.ErrorClass.TIMEOUT, 700n), charged(llm.ErrorClass.TIMEOUT)];
    const failed = (await route("a", deps({ fallbacks: [] }), async () => {
      throw answers.shift();
    }).catch((err: unknown) => err)) as RoutingFailed;
    assert.equal(failed.failed.known, false);
    failed.failed.stamp(failed.error);
    assert.equal(failed.error.detail.costNanos, undefined);
    assert.equal(failed.error.detail.promptTokens, 0);
  });

  it("stamps a committed stream's error with the failed attempts plus the stream's own attempt", () => {
    const before = new FailedAttempts();
    before.add(charged(llm.ErrorClass.TIMEOUT, 700n, 7));
    const cut = charged(llm.ErrorClass.TIMEOUT, 50n, 1);
    before.stamp(cut, cut);
    assert.equal(cut.detail.costNanos, 750n);
    assert.equal(cut.detail.promptTokens, 8);
    const silent = charged(llm.ErrorClass.TIMEOUT);
    before.stamp(silent, silent);
    assert.equal(silent.detail.costNanos, undefined, "the stream's attempt is unknown, so the whole is");
  });
});
