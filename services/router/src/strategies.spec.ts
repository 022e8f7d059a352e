import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "@switchyard/config";
import { createStats } from "./stats.js";
import { byTags, createPicker } from "./strategies.js";

const dep = (id: string, over: Partial<Deployment> = {}): Deployment => ({
  id,
  modelName: "g",
  provider: "openai",
  model: "gpt-4o-mini",
  weight: 1,
  tags: [],
  modelInfo: {},
  params: {},
  source: id,
  ...over,
});

/** How often each deployment is picked over `n` picks. */
function tally(pick: () => Deployment | undefined, n = 200): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick()?.id ?? "none";
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe("routing strategies", () => {
  it("least-busy picks the deployment with the fewest attempts in flight", () => {
    const stats = createStats();
    const [a, b, c] = [dep("a"), dep("b"), dep("c")];
    stats.begin("a");
    stats.begin("a");
    const endB = stats.begin("b");
    const picker = createPicker("least-busy", stats);
    assert.deepEqual(
      tally(() => picker.pick([a, b, c])),
      { c: 200 },
    );
    endB({ ok: true, latencyMs: 1 });
    const both = tally(() => picker.pick([a, b, c]));
    assert.deepEqual(Object.keys(both).sort(), ["b", "c"], "ties share the load");
  });

  it("latency-based-routing prefers the fastest, tries unmeasured ones, and honours the tolerance band", () => {
    const stats = createStats();
    const [fast, slow, near, fresh] = [dep("fast"), dep("slow"), dep("near"), dep("fresh")];
    stats.begin("fast")({ ok: true, latencyMs: 100 });
    stats.begin("slow")({ ok: true, latencyMs: 400 });
    stats.begin("near")({ ok: true, latencyMs: 105 });
    assert.deepEqual(
      tally(() => createPicker("latency-based-routing", stats).pick([fast, slow, near])),
      { fast: 200 },
    );
    const banded = tally(() =>
      createPicker("latency-based-routing", stats, { latencyBuffer: 0.1 }).pick([fast, slow, near]),
    );
    assert.deepEqual(Object.keys(banded).sort(), ["fast", "near"]);
    assert.deepEqual(
      tally(() => createPicker("latency-based-routing", stats).pick([fast, fresh])),
      { fresh: 200 },
    );
    // Failures do not count as fast answers.
    stats.begin("fresh")({ ok: false, latencyMs: 1 });
    assert.equal(stats.latencyMs("fresh"), undefined);
  });

  it("cost-based-routing picks the cheapest by catalog or config price, unpriced last", () => {
    const picker = createPicker("cost-based-routing", createStats());
    const dear = dep("dear", { model: "gpt-4o" });
    const cheap = dep("cheap", { model: "gpt-4o-mini" });
    const custom = dep("custom", {
      model: "my-model",
      params: { input_cost_per_token: 1e-9, output_cost_per_token: 1e-9 },
    });
    const unknown = dep("unknown", { model: "not-in-any-catalog" });
    assert.deepEqual(
      tally(() => picker.pick([dear, cheap, unknown])),
      { cheap: 200 },
    );
    assert.deepEqual(
      tally(() => picker.pick([dear, cheap, custom])),
      { custom: 200 },
    );
    assert.deepEqual(
      tally(() => picker.pick([unknown])),
      { unknown: 200 },
    );
  });

  it("usage-based-routing spreads by the share of rpm used and skips deployments at their rpm", () => {
    let t = 1_000_000;
    const stats = createStats(() => t);
    const small = dep("small", { rpm: 2 });
    const big = dep("big", { rpm: 100 });
    const picker = createPicker("usage-based-routing-v2", stats);
    stats.begin("small");
    stats.begin("big");
    stats.begin("big");
    // small used 1/2, big 2/100.
    assert.deepEqual(
      tally(() => picker.pick([small, big])),
      { big: 200 },
    );
    stats.begin("small");
    for (let i = 0; i < 98; i++) stats.begin("big");
    assert.equal(picker.pick([small, big]), undefined, "both at their rpm this minute");
    t += 61_000;
    assert.notEqual(picker.pick([small, big]), undefined, "a minute later they take requests again");
  });

  it("usage-based-routing also honours tpm: the tokens used this minute count like requests", () => {
    let t = 1_000_000;
    const stats = createStats(() => t);
    const tight = dep("tight", { tpm: 1_000 });
    const roomy = dep("roomy", { tpm: 100_000, rpm: 1_000 });
    const picker = createPicker("usage-based-routing", stats);
    stats.tokens("tight", 600);
    stats.tokens("roomy", 600);
    // tight used 60 % of its tpm, roomy under 1 % of either limit.
    assert.deepEqual(
      tally(() => picker.pick([tight, roomy])),
      { roomy: 200 },
    );
    stats.tokens("tight", 400);
    assert.equal(picker.pick([tight]), undefined, "at its tpm it takes nothing more this minute");
    t += 61_000;
    assert.equal(picker.pick([tight]), tight);
  });

  it("simple-shuffle follows the weights", () => {
    const picker = createPicker("simple-shuffle", createStats());
    const counts = tally(() => picker.pick([dep("heavy", { weight: 9 }), dep("light", { weight: 1 })]), 2_000);
    assert.ok((counts["heavy"] ?? 0) > 1_600, JSON.stringify(counts));
  });
});

describe("tag-based routing", () => {
  const eu = dep("eu", { tags: ["eu", "paid"] });
  const us = dep("us", { tags: ["us"] });
  const fallback = dep("default", { tags: ["default"] });

  it("sends a tagged request to the deployments sharing a tag, else to default ones, else anywhere", () => {
    assert.deepEqual(
      byTags([eu, us, fallback], ["eu"]).map((d) => d.id),
      ["eu"],
    );
    assert.deepEqual(
      byTags([eu, us, fallback], ["paid", "us"]).map((d) => d.id),
      ["eu", "us"],
    );
    assert.deepEqual(
      byTags([eu, us, fallback], ["apac"]).map((d) => d.id),
      ["default"],
    );
    assert.deepEqual(
      byTags([eu, us], ["apac"]).map((d) => d.id),
      ["eu", "us"],
    );
    assert.deepEqual(
      byTags([eu, us, fallback], []).map((d) => d.id),
      ["eu", "us", "default"],
    );
  });
});
