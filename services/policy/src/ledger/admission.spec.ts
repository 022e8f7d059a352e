import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { RouterSettings } from "@switchyard/config";
import { policy } from "@switchyard/proto";
import { createState } from "../state.js";
import { deployment } from "../testkit.js";
import { budgetWindowEnd, createAdmissions, scopeLimits } from "./admission.js";
import { emptyEntry, type LedgerEntry, parseEntry, serializeEntry } from "./entry.js";
import type { Ledger } from "./kv-ledger.js";
import { createReservationPricer } from "./reserve.js";

const ROUTER: RouterSettings = {
  routingStrategy: "simple-shuffle",
  numRetries: 0,
  timeoutMs: 1_000,
  fallbacks: [],
  contextWindowFallbacks: [],
  contentPolicyFallbacks: [],
  defaultFallbacks: [],
};

/** A ledger in memory: the unit under test is the admission logic, the KV ledger has its own spec. */
function memoryLedger(): Ledger & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    async apply(key, op) {
      const text = entries.get(key);
      const entry: LedgerEntry = text ? parseEntry(text) : emptyEntry();
      const result = op(entry);
      entries.set(key, serializeEntry(entry));
      return result;
    },
  };
}

const T0 = Date.UTC(2026, 0, 31, 12);

describe("budget windows", () => {
  it("lays windows end to end from the record's reset time, the same on every replica", () => {
    assert.equal(budgetWindowEnd(0n, "30d", T0), 0, "no reset time: one window forever");
    assert.equal(budgetWindowEnd(BigInt(T0 + 5_000), "10s", T0), T0 + 5_000);
    assert.equal(budgetWindowEnd(BigInt(T0), "10s", T0), T0 + 10_000);
    assert.equal(budgetWindowEnd(BigInt(T0), "10s", T0 + 25_000), T0 + 30_000);
    assert.equal(budgetWindowEnd(BigInt(T0 - 86_400_000 * 365), "1d", T0), T0 + 86_400_000);
    assert.equal(budgetWindowEnd(BigInt(T0), "1mo", T0 + 1), Date.UTC(2026, 1, 28, 12), "Jan 31 + 1mo = Feb 28");
  });

  it("tracks a soft budget alone (its spend is reported), and takes no limits as none", () => {
    const soft = create(policy.LimitsSchema, { softBudgetNanos: 5n });
    assert.deepEqual(scopeLimits(soft, 0n, T0), { softBudgetNanos: 5n, budgetWindowEndMs: 0 });
    assert.equal(scopeLimits(create(policy.LimitsSchema, {}), 0n, T0), undefined);
    const hard = create(policy.LimitsSchema, { maxBudgetNanos: 5n, budgetDuration: "1d" });
    assert.deepEqual(scopeLimits(hard, BigInt(T0 + 1), T0), { maxBudgetNanos: 5n, budgetWindowEndMs: T0 + 1 });
  });
});

describe("reservations", () => {
  const priced = (name: string, output: number, info: Record<string, unknown> = {}) => ({
    ...deployment(name),
    model: name,
    modelInfo: info,
    params: { input_cost_per_token: 0.000001, output_cost_per_token: output },
  });

  it("prices max_tokens times n at the dearest deployment a request could reach, fallbacks included", () => {
    const pricer = createReservationPricer([priced("cheap", 0.00001), priced("dear", 0.0001)], {
      ...ROUTER,
      fallbacks: [{ from: "cheap", to: ["dear"] }],
    });
    const r = pricer.reserve("cheap", 1_000, 100, 2);
    assert.equal(r.tokens, 1_200);
    // 1000 input at $1/M + 200 output at $100/M = $0.001 + $0.02
    assert.equal(r.nanos, 21_000_000n);
    assert.equal(
      createReservationPricer([priced("cheap", 0.00001)], ROUTER).reserve("cheap", 0, 100, 1).nanos,
      1_000_000n,
    );
  });

  it("reserves generated images at the dearest per-image price, and none for requests without images", () => {
    const image = (name: string, perImage: number) => ({
      ...deployment(name),
      model: name,
      params: { input_cost_per_token: 0, output_cost_per_token: 0, input_cost_per_image: perImage },
    });
    const pricer = createReservationPricer([image("draw", 0.04), image("draw-hd", 0.08), image("other", 1)], {
      ...ROUTER,
      fallbacks: [{ from: "draw", to: ["draw-hd"] }],
    });
    // 3 images at $0.08 (the fallback's price), never the unreachable group's $1.
    assert.equal(pricer.reserve("draw", 0, 0, 1, { images: 3 }).nanos, 240_000_000n);
    assert.equal(pricer.reserve("draw", 0, 0, 1).nanos, 0n);
  });

  it("reserves a transcription's audio at the dearest per-second price it could reach", () => {
    const whisper = (name: string, perSecond: number) => ({
      ...deployment(name),
      model: name,
      params: { input_cost_per_token: 0, output_cost_per_token: 0, input_cost_per_second: perSecond },
    });
    const pricer = createReservationPricer([whisper("hear", 0.0001), whisper("hear-too", 0.0002)], {
      ...ROUTER,
      fallbacks: [{ from: "hear", to: ["hear-too"] }],
    });
    // 90.5 s at $0.0002 per second (the fallback's price) is $0.0181; no output is reserved at a zero rate.
    assert.equal(pricer.reserve("hear", 0, 0, 1, { audioMillis: 90_500 }).nanos, 18_100_000n);
    // Priced per millisecond: one is $0.0000002.
    assert.equal(pricer.reserve("hear", 0, 0, 1, { audioMillis: 1 }).nanos, 200n);
    assert.equal(pricer.reserve("hear", 0, 0, 1).nanos, 0n);
  });

  it("reserves a rerank's search units at the dearest per-query price", () => {
    const rerank = (name: string, perQuery: number) => ({
      ...deployment(name),
      model: name,
      params: { input_cost_per_token: 0, output_cost_per_token: 0, input_cost_per_query: perQuery },
    });
    const pricer = createReservationPricer([rerank("rank", 0.002), rerank("rank-other", 0.01)], ROUTER);
    // 3 search units at $0.002 (its own group's price; the other group is not reachable).
    assert.equal(pricer.reserve("rank", 0, 0, 1, { queries: 3 }).nanos, 6_000_000n);
    assert.equal(pricer.reserve("rank", 0, 0, 1).nanos, 0n);
  });

  it("falls back to the declared output limit, then to the default", () => {
    const declared = createReservationPricer([priced("m", 0.000001, { max_output_tokens: 8_192 })], ROUTER);
    assert.equal(declared.reserve("m", 10, 0, 1).tokens, 8_202);
    const unknown = createReservationPricer([priced("m", 0.000001)], ROUTER);
    assert.equal(unknown.reserve("m", 10, 0, 1).tokens, 4_106);
  });
});

describe("admissions", () => {
  function setup() {
    const state = createState();
    const ledger = memoryLedger();
    const pricer = createReservationPricer([deployment("m")], ROUTER);
    let now = T0;
    const admissions = createAdmissions({ state, ledger, pricer, now: () => now });
    const key = (keyId: string, limits: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      state.apply("keys", keyId, 1, {
        key: create(policy.KeySchema, { keyId, limits: create(policy.LimitsSchema, limits), ...extra }),
        hash: new Uint8Array([1]),
      });
    const ask = (keyId: string, endUser = "") =>
      admissions.admit(
        create(policy.AdmitRequestSchema, { keyId, model: "m", endUser, promptTokens: 10n, maxOutputTokens: 10n }),
      );
    return { state, ledger, admissions, key, ask, tick: (ms: number) => (now += ms) };
  }

  it("needs every scope to admit, and leaves no trace in the others when one refuses", async () => {
    const { state, ledger, key, ask } = setup();
    state.apply("teams", "t", 1, create(policy.TeamSchema, { teamId: "t", limits: { rpmLimit: 1 } }));
    key("k1", { rpmLimit: 5 }, { teamId: "t" });
    key("k2", { rpmLimit: 5 }, { teamId: "t" });
    const first = await ask("k1");
    assert.equal(first.decision, policy.AdmitDecision.ADMIT);
    assert.deepEqual(
      first.admission?.holds.map((h) => h.scope),
      ["key.k1", "team.t"],
    );
    const second = await ask("k2");
    assert.equal(second.decision, policy.AdmitDecision.RATE_LIMITED);
    assert.match(second.reason, /rpm_limit 1 reached for the key's team/);
    assert.equal(second.requests?.remaining, 0n);
    const k2 = parseEntry(ledger.entries.get("key.k2") ?? "{}");
    assert.deepEqual(
      k2.w.map(([, requests]) => requests),
      [0],
      "k2's own count was released",
    );
  });

  it("limits a JWT caller by the team and user its Authorize decision named", async () => {
    const { state, admissions, ledger } = setup();
    state.apply("teams", "t", 1, create(policy.TeamSchema, { teamId: "t", limits: { rpmLimit: 1 } }));
    state.apply("users", "u", 1, create(policy.UserSchema, { userId: "u", limits: { rpmLimit: 5 } }));
    const asToken = (teamId: string, userId: string) =>
      admissions.admit(
        create(policy.AdmitRequestSchema, {
          keyId: "jwt:0123456789abcdef",
          teamId,
          userId,
          model: "m",
          promptTokens: 10n,
        }),
      );
    const first = await asToken("t", "u");
    assert.equal(first.decision, policy.AdmitDecision.ADMIT);
    assert.deepEqual(
      first.admission?.holds.map((h) => h.scope),
      ["user.u", "team.t"],
    );
    const second = await asToken("t", "u");
    assert.equal(second.decision, policy.AdmitDecision.RATE_LIMITED);
    assert.match(second.reason, /rpm_limit 1 reached for the token's team/);
    assert.equal((await asToken("other", "")).decision, policy.AdmitDecision.ADMIT, "a team without a record");
    assert.ok(![...ledger.entries.keys()].some((k) => k.startsWith("key.")), "no key scope for a token");
    // A key id that is not a token's still needs its stored key, whatever team and user the request names.
    const forged = create(policy.AdmitRequestSchema, { keyId: "k-unknown", teamId: "t", userId: "u", model: "m" });
    assert.equal((await admissions.admit(forged)).decision, policy.AdmitDecision.UNAUTHENTICATED);
  });

  /** Admissions for key "k" with `budgetNanos`, over one deployment named `model` priced by LiteLLM `params`. */
  function budgeted(model: string, params: Record<string, number>, budgetNanos: bigint) {
    const state = createState();
    const pricer = createReservationPricer(
      [{ ...deployment(model), params: { input_cost_per_token: 0, output_cost_per_token: 0, ...params } }],
      ROUTER,
    );
    state.apply("keys", "k", 1, {
      key: create(policy.KeySchema, {
        keyId: "k",
        limits: create(policy.LimitsSchema, { maxBudgetNanos: budgetNanos }),
      }),
      hash: new Uint8Array([1]),
    });
    const admissions = createAdmissions({ state, ledger: memoryLedger(), pricer, now: () => T0 });
    return (init: { images?: number; audioMillis?: number }) =>
      admissions.admit(create(policy.AdmitRequestSchema, { keyId: "k", model, ...init }));
  }

  it("refuses an image request whose images the budget cannot cover", async () => {
    // $0.10 buys two $0.04 images, not three.
    const images = budgeted("img", { input_cost_per_image: 0.04 }, 100_000_000n);
    assert.equal((await images({ images: 3 })).decision, policy.AdmitDecision.BUDGET_EXCEEDED);
    const two = await images({ images: 2 });
    assert.equal(two.decision, policy.AdmitDecision.ADMIT);
    assert.equal(two.admission?.holds[0]?.reservedNanos, 80_000_000n);
  });

  it("refuses a transcription whose seconds of audio the budget cannot cover", async () => {
    // $0.01 covers 100 s of audio at $0.0001 per second.
    const hear = budgeted("hear", { input_cost_per_second: 0.0001 }, 10_000_000n);
    assert.equal((await hear({ audioMillis: 120_000 })).decision, policy.AdmitDecision.BUDGET_EXCEEDED);
    const minute = await hear({ audioMillis: 60_000 });
    assert.equal(minute.decision, policy.AdmitDecision.ADMIT);
    assert.equal(minute.admission?.holds[0]?.reservedNanos, 6_000_000n);
  });

  it("holds a renewed admission's parallel slot for another lifetime from the renewal", async () => {
    const state = createState();
    let now = T0;
    const admissions = createAdmissions({
      state,
      ledger: memoryLedger(),
      pricer: createReservationPricer([deployment("m")], ROUTER),
      now: () => now,
      ttlMs: 10_000,
    });
    state.apply("keys", "k", 1, {
      key: create(policy.KeySchema, { keyId: "k", limits: create(policy.LimitsSchema, { maxParallelRequests: 1 }) }),
      hash: new Uint8Array([1]),
    });
    const ask = () => admissions.admit(create(policy.AdmitRequestSchema, { keyId: "k", model: "m" }));
    const first = await ask();
    assert.equal(first.admission?.holds[0]?.slot, true);
    now += 6_000;
    await admissions.settle(create(policy.SettleRequestSchema, { admission: first.admission, renew: true }));
    now += 6_000;
    assert.equal((await ask()).decision, policy.AdmitDecision.RATE_LIMITED, "renewed at 6 s: held until 16 s");
    now += 4_000;
    assert.equal((await ask()).decision, policy.AdmitDecision.ADMIT, "no renewal since: freed at 16 s");
  });

  it("admits keys without limits without touching the ledger", async () => {
    const { ledger, key, ask } = setup();
    key("free", {});
    const res = await ask("free");
    assert.equal(res.decision, policy.AdmitDecision.ADMIT);
    assert.equal(res.admission?.holds.length, 0);
    assert.equal(ledger.entries.size, 0);
  });

  it("limits and blocks end users by the request's user field", async () => {
    const { state, key, ask } = setup();
    key("k", {});
    state.apply("customers", "eu", 1, create(policy.CustomerSchema, { userId: "eu", limits: { rpmLimit: 1 } }));
    state.apply("customers", "bad", 1, create(policy.CustomerSchema, { userId: "bad", blocked: true }));
    assert.equal(state.endUserLimits(), true);
    assert.equal((await ask("k", "eu")).decision, policy.AdmitDecision.ADMIT);
    assert.equal((await ask("k", "eu")).decision, policy.AdmitDecision.RATE_LIMITED);
    assert.equal((await ask("k", "someone-else")).decision, policy.AdmitDecision.ADMIT);
    assert.equal((await ask("k", "bad")).decision, policy.AdmitDecision.FORBIDDEN);
  });

  it("refuses a key that vanished since Authorize", async () => {
    const { ask } = setup();
    assert.equal((await ask("nope")).decision, policy.AdmitDecision.UNAUTHENTICATED);
  });

  it("settles what the ingress reports, or keeps the reservation when the use is unknown", async () => {
    const { ledger, key, ask, admissions } = setup();
    key("b", { maxBudgetNanos: 10n ** 9n });
    const a1 = await ask("b");
    const a2 = await ask("b");
    await admissions.settle(create(policy.SettleRequestSchema, { admission: a1.admission, costNanos: 7n }));
    await admissions.settle(create(policy.SettleRequestSchema, { admission: a2.admission, useReservation: true }));
    const reserved = a2.admission?.holds[0]?.reservedNanos ?? 0n;
    assert.ok(reserved > 0n);
    assert.equal(parseEntry(ledger.entries.get("key.b") ?? "{}").b?.s, String(7n + reserved));
  });

  it("applies the settles an Admit carries before admitting it", async () => {
    const { key, ask, admissions } = setup();
    key("p", { maxParallelRequests: 1 });
    const first = await ask("p");
    assert.equal((await ask("p")).decision, policy.AdmitDecision.RATE_LIMITED);
    const riding = create(policy.SettleRequestSchema, { admission: first.admission, costNanos: 1n });
    const next = await admissions.admit(
      create(policy.AdmitRequestSchema, { keyId: "p", model: "m", promptTokens: 1n, settles: [riding] }),
    );
    assert.equal(next.decision, policy.AdmitDecision.ADMIT, next.reason);
  });

  it("starts a budget that never resets from metering's recorded spend, asking for it once", async () => {
    const state = createState();
    const ledger = memoryLedger();
    const asked: string[] = [];
    const admissions = createAdmissions({
      state,
      ledger,
      pricer: createReservationPricer([deployment("m")], ROUTER),
      now: () => T0,
      recordedSpend: async (kind, id) => {
        asked.push(`${kind}:${id}`);
        return 400_000_000n;
      },
    });
    const limits = create(policy.LimitsSchema, { maxBudgetNanos: 1_000_000_000n });
    state.apply("keys", "s", 1, { key: create(policy.KeySchema, { keyId: "s", limits }), hash: new Uint8Array([1]) });
    const request = create(policy.AdmitRequestSchema, {
      keyId: "s",
      model: "m",
      promptTokens: 10n,
      maxOutputTokens: 10n,
    });
    assert.equal((await admissions.admit(request)).decision, policy.AdmitDecision.ADMIT);
    assert.equal((await admissions.admit(request)).decision, policy.AdmitDecision.ADMIT);
    assert.deepEqual(asked, ["key:s"]);
    assert.equal(parseEntry(ledger.entries.get("key.s") ?? "{}").b?.s, "400000000");
  });

  it("grants a prefetch of several admissions as far as every scope allows, and gives the rest back", async () => {
    const { state, ledger, key, admissions } = setup();
    state.apply("teams", "big", 1, create(policy.TeamSchema, { teamId: "big", limits: { rpmLimit: 1_000 } }));
    key("pf", { rpmLimit: 44 }, { teamId: "big" });
    const prefetch = (count: number) =>
      admissions.admit(
        create(policy.AdmitRequestSchema, { keyId: "pf", model: "m", promptTokens: 1n, prefetch: true, count }),
      );
    const first = await prefetch(8);
    assert.equal(first.decision, policy.AdmitDecision.ADMIT);
    assert.equal(first.admissions.length, 8);
    assert.equal(new Set(first.admissions.map((a) => a.id)).size, 8);
    // Each prefetch must leave a quarter of the key's 44 free (44 - used - 1 >= 11): 33 in all, 25 more, then none.
    const second = await prefetch(32);
    assert.equal(second.admissions.length, 25);
    const third = await prefetch(8);
    assert.equal(third.decision, policy.AdmitDecision.NOT_NOW);
    const team = parseEntry(ledger.entries.get("team.big") ?? "{}");
    assert.equal(
      team.w.reduce((sum, [, requests]) => sum + requests, 0),
      33,
      "the team counted what the key granted, not what it was asked",
    );
  });

  it("never settles an entry that is not a ledger scope, whatever the caller sends", async () => {
    const { ledger, admissions } = setup();
    const admission = create(policy.AdmissionSchema, {
      id: "x",
      holds: [{ scope: "switchyard-policy-keys.anything", slot: true }],
    });
    await admissions.settle(create(policy.SettleRequestSchema, { admission }));
    assert.equal(ledger.entries.size, 0);
  });
});
