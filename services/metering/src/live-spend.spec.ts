import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { readSpend, spendKey } from "@switchyard/usage";
import { createLiveSpend } from "./live-spend.js";
import type { DailyTotal } from "./rollup.js";
import { spendBucket } from "./testkit.js";

function total(dimension: DailyTotal["dimension"], value: string, events: number, cost: string): DailyTotal {
  return {
    dimension,
    value,
    day: "2025-03-01",
    events: String(events),
    cost_nanos: cost,
    prompt_tokens: "10",
    completion_tokens: "2",
    cache_read_tokens: "0",
    cache_write_tokens: "0",
    reasoning_tokens: "0",
    audio_millis: "0",
    queries: "0",
  };
}

describe("live spend in NATS KV", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let kv: KV;

  before(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    kv = await spendBucket(nc);
  });
  after(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("stores totals under encoded keys, never replacing them with totals of fewer events", async (t) => {
    const spend = createLiveSpend(kv);
    t.after(() => spend.close());
    const id = "team 'a'.*>";
    // Each offer resolves once written, so the second meets the first in the bucket rather than in the queue.
    await spend.offer([total("team", id, 3, "18446744073709551615")]);
    await spend.offer([total("team", id, 2, "5")]);
    const read = () => readSpend(kv, "team", id, "2025-03-01", "2025-03-01");
    assert.deepEqual(await read(), {
      costNanos: 18_446_744_073_709_551_615n,
      events: 3n,
      promptTokens: 10n,
      completionTokens: 2n,
    });
    await spend.offer([total("team", id, 4, "7")]);
    assert.equal((await read()).costNanos, 7n);
    assert.equal((await kv.get(spendKey("team", id, "2025-03-01")))?.operation, "PUT");
  });

  it("writes only key, team, user and end-user totals with an id, concurrently and consistently", async (t) => {
    const [spend, other] = [createLiveSpend(kv), createLiveSpend(kv)];
    t.after(() => {
      spend.close();
      other.close();
    });
    const rows = [
      total("model", "gpt", 1, "1"),
      total("provider", "openai", 1, "1"),
      total("key", "", 1, "1"),
      ...Array.from({ length: 100 }, (_, i) => total("end_user", `u${i}`, i + 1, String(i))),
    ];
    // Two writers racing with the same totals (two replicas recomputing the same day) converge.
    await Promise.all([spend.offer(rows), other.offer(rows)]);
    for (let i = 0; i < 100; i++) {
      assert.equal((await readSpend(kv, "end_user", `u${i}`, "2025-03-01", "2025-03-01")).events, BigInt(i + 1));
    }
    const keys = [];
    for await (const key of await kv.keys()) keys.push(key);
    assert.ok(
      keys.every((k) => /^(team|end_user)\./.test(k)),
      keys.join(","),
    );
  });

  it("writes offered totals in the background, coalescing offers of one key to the total of most events", async () => {
    const spend = createLiveSpend(kv);
    try {
      spend.offer([total("key", "k-offer", 5, "50"), total("key", "k-offer", 4, "40"), total("model", "gpt", 1, "1")]);
      spend.offer([total("key", "k-offer", 6, "60"), total("key", "k-offer", 2, "20")]);
      assert.ok(spend.pending() <= 1, "one queued total per key, and only tracked kinds");
      assert.ok(await spend.flush(5_000));
      assert.equal(spend.pending(), 0);
      assert.equal((await readSpend(kv, "key", "k-offer", "2025-03-01", "2025-03-01")).costNanos, 60n);
    } finally {
      spend.close();
    }
  });

  it("starts writer passes at least an interval apart, writing a key once per pass whatever was offered meanwhile", async () => {
    let writes = 0;
    const counting: KV = Object.create(kv);
    counting.create = async (...args: Parameters<KV["create"]>) => {
      writes++;
      return kv.create(...args);
    };
    counting.update = async (...args: Parameters<KV["update"]>) => {
      writes++;
      return kv.update(...args);
    };
    const spend = createLiveSpend(counting, { intervalMs: 400 });
    try {
      const started = Date.now();
      await spend.offer([total("key", "k-paced", 1, "10")]);
      assert.equal(writes, 1, "the first pass after an idle spell starts at once");
      const offers = [2, 3, 4, 5].map((n) => spend.offer([total("key", "k-paced", n, String(n * 10))]));
      await Promise.all(offers);
      assert.ok(Date.now() - started >= 400, "the second pass waited for the interval");
      assert.equal(writes, 2, "four offers of one key made one write");
      assert.equal((await readSpend(kv, "key", "k-paced", "2025-03-01", "2025-03-01")).costNanos, 50n);
    } finally {
      spend.close();
    }
  });

  it("keeps failed writes queued and retries them until the bucket takes them", async () => {
    let failures = 3;
    const flaky: KV = Object.create(kv);
    flaky.create = async (...args: Parameters<KV["create"]>) => {
      if (failures-- > 0) throw new Error("nats: timeout");
      return kv.create(...args);
    };
    const spend = createLiveSpend(flaky, { retryMs: () => 20 });
    try {
      spend.offer([total("user", "u-retry", 3, "33")]);
      assert.ok(await spend.flush(5_000));
      assert.ok(failures < 0, "the write failed before it went through");
      assert.equal((await readSpend(kv, "user", "u-retry", "2025-03-01", "2025-03-01")).costNanos, 33n);
    } finally {
      spend.close();
    }
  });
});
