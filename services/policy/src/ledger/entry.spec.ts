import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  admit,
  type Demand,
  emptyEntry,
  type LedgerEntry,
  parseEntry,
  release,
  releaseUnused,
  renew,
  type ScopeLimits,
  serializeEntry,
  settle,
} from "./entry.js";

const T0 = 1_700_000_000_000;
let seq = 0;

function demand(nowMs: number, over: Partial<Demand> = {}): Demand {
  seq += 1;
  return { id: `a${seq}`, tokens: 100, nanos: 100_000_000n, nowMs, expiresAtMs: nowMs + 900_000, ...over };
}

function limits(over: Partial<ScopeLimits>): ScopeLimits {
  return { budgetWindowEndMs: 0, ...over };
}

/** Admits `n` demands at `nowMs`; returns how many were admitted. */
function admitMany(entry: LedgerEntry, l: ScopeLimits, n: number, nowMs: number, over: Partial<Demand> = {}): number {
  let admitted = 0;
  for (let i = 0; i < n; i++) if (admit(entry, l, demand(nowMs, over)).ok) admitted++;
  return admitted;
}

describe("rate limits", () => {
  it("admits exactly rpm requests, then refuses with a retry time when the oldest counted second leaves", () => {
    const entry = emptyEntry();
    const rpm = limits({ rpm: 10 });
    assert.equal(admitMany(entry, rpm, 4, T0), 4);
    assert.equal(admitMany(entry, rpm, 10, T0 + 20_000), 6);
    const refused = admit(entry, rpm, demand(T0 + 30_000));
    assert.equal(refused.ok, false);
    if (refused.ok) return;
    assert.equal(refused.kind, "rate");
    assert.match(refused.reason, /rpm_limit 10/);
    // The 4 of T0 leave at T0 + 61 s, which frees enough for one more.
    assert.equal(refused.retryAfterMs, T0 + 61_000 - (T0 + 30_000));
    assert.deepEqual(refused.requests, { limit: 10, remaining: 0, resetMs: T0 + 20_000 + 61_000 - (T0 + 30_000) });
    assert.equal(admit(entry, rpm, demand(T0 + 60_999)).ok, false, "still inside the window");
    assert.equal(admitMany(entry, rpm, 10, T0 + 61_000), 4);
  });

  it("never lets any 60-second window hold more than the limit", () => {
    const entry = emptyEntry();
    const rpm = limits({ rpm: 5 });
    const admittedAt: number[] = [];
    for (let t = T0; t < T0 + 300_000; t += 250) {
      if (admit(entry, rpm, demand(t)).ok) admittedAt.push(t);
    }
    for (const start of admittedAt) {
      const inWindow = admittedAt.filter((t) => t >= start && t < start + 60_000).length;
      assert.ok(inWindow <= 5, `${inWindow} admitted in the window starting at ${start - T0}`);
    }
    assert.ok(admittedAt.length >= 20, "and it does admit steadily");
  });

  it("reserves tokens and settles them to the actual use", () => {
    const entry = emptyEntry();
    const tpm = limits({ tpm: 1_000 });
    const first = demand(T0, { tokens: 600 });
    assert.equal(admit(entry, tpm, first).ok, true);
    const second = admit(entry, tpm, demand(T0, { tokens: 600 }));
    assert.equal(second.ok, false);
    assert.ok(settle(entry, first.id, { tokens: 150, nanos: 0n }));
    assert.equal(admit(entry, tpm, demand(T0 + 1, { tokens: 600 })).ok, true, "the refund made room");
    assert.equal(settle(entry, first.id, { tokens: 150, nanos: 0n }), false, "a second settle changes nothing");
  });

  it("refuses for good a request larger than the whole tpm limit", () => {
    const outcome = admit(emptyEntry(), limits({ tpm: 100 }), demand(T0, { tokens: 101 }));
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.equal(outcome.retryAfterMs, 0);
      assert.match(outcome.reason, /more than tpm_limit 100/);
    }
  });

  it("frees parallel slots on settle, and when an admission expires", () => {
    const entry = emptyEntry();
    const parallel = limits({ parallel: 2 });
    const a = demand(T0, { expiresAtMs: T0 + 1_000 });
    const b = demand(T0);
    assert.ok(admit(entry, parallel, a).ok);
    assert.ok(admit(entry, parallel, b).ok);
    assert.equal(admit(entry, parallel, demand(T0)).ok, false);
    settle(entry, b.id, { tokens: 0, nanos: 0n });
    assert.ok(admit(entry, parallel, demand(T0)).ok);
    assert.equal(admit(entry, parallel, demand(T0 + 999)).ok, false);
    assert.ok(admit(entry, parallel, demand(T0 + 1_000)).ok, "a's slot expired");
  });

  it("keeps a renewed admission's slot past its first expiry, until it is settled", () => {
    const entry = emptyEntry();
    const one = limits({ parallel: 1 });
    const running = demand(T0, { expiresAtMs: T0 + 1_000 });
    assert.ok(admit(entry, one, running).ok);
    assert.equal(renew(entry, running.id, T0 + 2_000), true);
    assert.equal(renew(entry, running.id, T0 + 1_500), false, "never shortened");
    assert.equal(admit(entry, one, demand(T0 + 1_500)).ok, false, "still running past its first expiry");
    assert.ok(admit(entry, one, demand(T0 + 2_000)).ok, "expired once no renewal came");
    assert.equal(renew(entry, running.id, T0 + 9_000), false, "an expired admission stays expired");
    assert.equal(renew(entry, "unknown", T0 + 9_000), false);
  });

  it("release undoes an admission completely", () => {
    const entry = emptyEntry();
    const l = limits({ rpm: 1, tpm: 500, parallel: 1, maxBudgetNanos: 1_000_000_000n });
    const d = demand(T0);
    const outcome = admit(entry, l, d);
    assert.ok(outcome.ok);
    if (!outcome.ok) return;
    release(entry, d.id, outcome.hold);
    assert.ok(admit(entry, l, demand(T0 + 1)).ok, "as if the first never happened");
  });
});

describe("prefetch", () => {
  it("is granted only while at least a quarter of every limit, and a floor, stays free", () => {
    const entry = emptyEntry();
    const rpm = limits({ rpm: 40 });
    let granted = 0;
    while (admit(entry, rpm, demand(T0, { prefetch: true })).ok) granted++;
    // Each prefetch must leave 40 - used - 1 >= 10 (a quarter) and >= 8: 30 prefetches, then one by one.
    assert.equal(granted, 30);
    const declined = admit(entry, rpm, demand(T0, { prefetch: true }));
    assert.ok(!declined.ok && declined.kind === "prefetch");
    assert.equal(admitMany(entry, rpm, 20, T0), 10, "requests themselves still fit up to the limit");
  });

  it("can be given back unused, once, as if it never happened", () => {
    const entry = emptyEntry();
    const rpm = limits({ rpm: 40 });
    const d = demand(T0, { prefetch: true });
    assert.ok(admit(entry, rpm, d).ok);
    assert.ok(releaseUnused(entry, d.id));
    assert.equal(releaseUnused(entry, d.id), false);
    assert.deepEqual(entry.w, [[T0 / 1000, 0, 0]]);
    assert.equal(admitMany(entry, rpm, 50, T0), 40);
  });

  it("is declined near a budget, a token limit or a parallel limit", () => {
    const nearBudget = limits({ maxBudgetNanos: 1_000_000_000n });
    assert.equal(admit(emptyEntry(), nearBudget, demand(T0, { prefetch: true, nanos: 100_000_000n })).ok, false);
    assert.equal(admit(emptyEntry(), nearBudget, demand(T0, { prefetch: true, nanos: 1_000_000n })).ok, true);
    assert.equal(admit(emptyEntry(), limits({ tpm: 1_000 }), demand(T0, { prefetch: true, tokens: 100 })).ok, false);
    assert.equal(admit(emptyEntry(), limits({ parallel: 8 }), demand(T0, { prefetch: true })).ok, false);
    assert.equal(admit(emptyEntry(), limits({ parallel: 100 }), demand(T0, { prefetch: true })).ok, true);
  });
});

describe("budgets", () => {
  const GB = 1_000_000_000n;

  it("admits while spent plus reserved plus the request fits, and settles to the actual cost", () => {
    const entry = emptyEntry();
    const budget = limits({ maxBudgetNanos: GB });
    const ids = Array.from({ length: 12 }, () => demand(T0));
    const admitted = ids.filter((d) => admit(entry, budget, d).ok);
    assert.equal(admitted.length, 10);
    const refused = admit(entry, budget, demand(T0));
    assert.ok(!refused.ok && refused.kind === "budget" && refused.retryAfterMs === 0);
    for (const d of admitted) settle(entry, d.id, { tokens: 0, nanos: 50_000_000n });
    assert.equal(entry.b?.s, "500000000");
    assert.equal(admitMany(entry, budget, 10, T0 + 1), 5);
  });

  it("explains a request that costs more than what is left", () => {
    const entry = emptyEntry();
    const budget = limits({ maxBudgetNanos: GB });
    const big = admit(entry, budget, demand(T0, { nanos: 2n * GB }));
    assert.ok(!big.ok);
    if (!big.ok) assert.match(big.reason, /may cost up to \$2, more than the \$1 left/);
  });

  it("starts over in a new window, and ignores a settle from the old one", () => {
    const entry = emptyEntry();
    const w1 = limits({ maxBudgetNanos: GB, budgetWindowEndMs: T0 + 10_000 });
    const d = demand(T0, { nanos: GB });
    assert.ok(admit(entry, w1, d).ok);
    assert.equal(admit(entry, w1, demand(T0 + 1, { nanos: 1n })).ok, false);
    const w2 = limits({ maxBudgetNanos: GB, budgetWindowEndMs: T0 + 20_000 });
    const retry = admit(entry, w1, demand(T0 + 2, { nanos: 1n }));
    assert.ok(!retry.ok && retry.retryAfterMs === 10_000 - 2);
    assert.ok(admit(entry, w2, demand(T0 + 10_000, { nanos: GB })).ok, "a new window, a new budget");
    settle(entry, d.id, { tokens: 0, nanos: GB });
    assert.equal(entry.b?.s, "0", "the old window's cost does not count in the new one");
  });

  it("counts the settled cost of a request that reserved nothing (priced only once it is known)", () => {
    const entry = emptyEntry();
    const budget = limits({ maxBudgetNanos: GB });
    const d = demand(T0, { nanos: 0n });
    assert.ok(admit(entry, budget, d).ok);
    assert.equal(settle(entry, d.id, { tokens: 0, nanos: 70n }), true);
    assert.equal(entry.b?.s, "70");
  });

  it("tracks a soft budget alone: refuses nothing, and reports once the settled spend reaches it", () => {
    const entry = emptyEntry();
    const soft = limits({ softBudgetNanos: 100n });
    const first = demand(T0, { nanos: 60n });
    const a = admit(entry, soft, first);
    assert.ok(a.ok && !("softBudgetReached" in a));
    settle(entry, first.id, { tokens: 0, nanos: 60n });
    const second = demand(T0 + 1, { nanos: 10n * GB });
    assert.ok(admit(entry, soft, second).ok, "no amount is refused");
    settle(entry, second.id, { tokens: 0, nanos: 60n });
    assert.equal(entry.b?.s, "120");
    const third = admit(entry, soft, demand(T0 + 2));
    assert.ok(third.ok && "softBudgetReached" in third && third.softBudgetReached);
  });

  it("counts an expired, unsettled reservation as spent", () => {
    const entry = emptyEntry();
    const budget = limits({ maxBudgetNanos: GB });
    const d = demand(T0, { nanos: 300_000_000n, expiresAtMs: T0 + 1_000 });
    assert.ok(admit(entry, budget, d).ok);
    assert.ok(admit(entry, budget, demand(T0 + 2_000, { nanos: 1n })).ok);
    assert.equal(entry.b?.s, "300000000");
    assert.equal(settle(entry, d.id, { tokens: 0, nanos: 0n }), false, "too late to settle");
  });
});

describe("stored form", () => {
  it("round-trips, and drops malformed fields instead of trusting them", () => {
    const entry = emptyEntry();
    admit(entry, limits({ rpm: 5, tpm: 1000, parallel: 2, maxBudgetNanos: 10n ** 9n }), demand(T0));
    assert.deepEqual(parseEntry(serializeEntry(entry)), entry);
    const hostile = parseEntry(
      JSON.stringify({
        w: [[1, -5, 2], "x", [2, 1, 1]],
        a: { x: [1, 2], y: [1, 2, 3, 1, "-5", 0] },
        b: { e: 1, s: "x" },
      }),
    );
    assert.deepEqual(hostile, { w: [[2, 1, 1]], a: {} });
    assert.deepEqual(parseEntry("null"), emptyEntry());
  });
});
