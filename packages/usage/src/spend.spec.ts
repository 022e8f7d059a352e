import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeSpend,
  decodeSpendId,
  encodeSpend,
  encodeSpendId,
  readSpend,
  type SpendSource,
  spendDays,
  spendKey,
  zeroSpend,
} from "./spend.js";

// What @nats-io/kv accepts as a key (its validateKey), checked here so the spec needs no server.
const KV_KEY = /^[-/=.\w]+$/;

const HOSTILE = [
  "plain-id_09",
  "sk.abc",
  "a b",
  "' OR 1=1 --",
  "\\'",
  "*",
  ">",
  "a.b.c",
  "=",
  "==",
  "=3D",
  "\u0000\n\t\r",
  "Ünïcödé 💸 键",
  "/slash/",
  "x".repeat(192),
];

describe("spend KV keys", () => {
  it("encodes every id into a valid KV key token and decodes it back", () => {
    for (const id of HOSTILE) {
      const token = encodeSpendId(id);
      assert.match(token, /^[-=\w]+$/, id);
      assert.equal(decodeSpendId(token), id);
      const key = spendKey("team", id, "2025-03-01");
      assert.match(key, KV_KEY);
      assert.equal(key.split(".").length, 3, "the id never adds a token");
    }
  });

  it("keeps distinct ids apart, including an id that looks like an escape", () => {
    const tokens = new Set(HOSTILE.map(encodeSpendId));
    assert.equal(tokens.size, HOSTILE.length);
    assert.notEqual(encodeSpendId("=3D"), encodeSpendId("="));
  });

  it("hashes ids whose encoding would be long, distinctly", () => {
    const a = encodeSpendId("é".repeat(100));
    const b = encodeSpendId("é".repeat(101));
    assert.match(a, /^==[0-9a-f]{64}$/);
    assert.notEqual(a, b);
    assert.throws(() => decodeSpendId(a), /hashed/);
    assert.match(spendKey("end_user", "u".repeat(100_000), "2025-03-01"), KV_KEY);
  });

  it("refuses empty ids, lone surrogates, unknown kinds, bad days and non-canonical tokens", () => {
    assert.throws(() => encodeSpendId(""), /non-empty/);
    assert.throws(() => encodeSpendId("a\uD800"), /surrogates/);
    assert.throws(() => spendKey("org" as "key", "a", "2025-03-01"), /spend kind/);
    assert.throws(() => spendKey("key", "a", "2025-02-30"), /YYYY-MM-DD/);
    assert.throws(() => spendKey("key", "a", "2025-3-1"), /YYYY-MM-DD/);
    assert.throws(() => decodeSpendId("=2e"), /=XX/);
    assert.throws(() => decodeSpendId("=61"), /canonical/);
    assert.throws(() => decodeSpendId("a.b"), /unexpected/);
  });
});

describe("spend values", () => {
  it("round-trips uint64 totals exactly", () => {
    const totals = {
      costNanos: 18_446_744_073_709_551_615n,
      events: 9_007_199_254_740_993n,
      promptTokens: 1n,
      completionTokens: 0n,
    };
    assert.deepEqual(decodeSpend(encodeSpend(totals)), totals);
  });

  it("rejects floats, negatives, overflow and missing fields", () => {
    const ok = JSON.parse(encodeSpend(zeroSpend())) as Record<string, string>;
    for (const bad of ["1.5", "-1", "18446744073709551616", "01", "", "1e3"]) {
      assert.throws(() => decodeSpend(JSON.stringify({ ...ok, costNanos: bad })), /costNanos/, bad);
    }
    assert.throws(() => decodeSpend(JSON.stringify({ ...ok, events: 3 })), /events/);
    assert.throws(() => decodeSpend("{"), /JSON/);
    assert.throws(() => decodeSpend("null"), /object/);
  });
});

describe("readSpend", () => {
  const entry = (value: string, operation = "PUT") => ({ operation, string: () => value });

  it("sums the day buckets in range as BigInt, skipping absent and deleted ones", async () => {
    const store = new Map([
      [spendKey("key", "k 1", "2024-12-31"), entry(encodeSpend({ ...zeroSpend(), costNanos: 5n }))],
      [
        spendKey("key", "k 1", "2025-01-01"),
        entry(encodeSpend({ costNanos: 9_007_199_254_740_993n, events: 2n, promptTokens: 3n, completionTokens: 4n })),
      ],
      [spendKey("key", "k 1", "2025-01-02"), entry(encodeSpend({ ...zeroSpend(), costNanos: 7n }), "DEL")],
      [spendKey("key", "k 1", "2025-01-03"), entry(encodeSpend({ ...zeroSpend(), costNanos: 2n, events: 1n }))],
      [spendKey("key", "k 2", "2025-01-03"), entry(encodeSpend({ ...zeroSpend(), costNanos: 1000n }))],
    ]);
    const kv: SpendSource = { get: async (key) => store.get(key) ?? null };
    assert.deepEqual(await readSpend(kv, "key", "k 1", "2025-01-01", "2025-01-31"), {
      costNanos: 9_007_199_254_740_995n,
      events: 3n,
      promptTokens: 3n,
      completionTokens: 4n,
    });
    assert.equal((await readSpend(kv, "key", "k 1", "2024-12-31", "2024-12-31")).costNanos, 5n);
  });

  it("bounds the range", async () => {
    const kv: SpendSource = { get: async () => null };
    assert.equal(spendDays("2024-01-01", "2024-12-31").length, 366);
    await assert.rejects(readSpend(kv, "user", "u", "2024-01-01", "2025-01-01"), /at most 366/);
    await assert.rejects(readSpend(kv, "user", "u", "2024-01-02", "2024-01-01"), /not before/);
  });
});
