import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@clickhouse/client";
import { rssBytes } from "@switchyard/launcher";
import { request } from "undici";
import { type CallResult, chat, type MeteredGateway, startMeteredGateway } from "./metering-setup.js";
import { MASTER_KEY } from "./setup.js";

let gw: MeteredGateway;

before(async () => {
  gw = await startMeteredGateway();
});
after(() => gw?.stop());

/** Totals the clients saw: attempts (one usage event each) and the sum of the cost headers. */
interface Seen {
  requests: number;
  attempts: number;
  costNanos: bigint;
  failures: number;
}

const seen: Seen = { requests: 0, attempts: 0, costNanos: 0n, failures: 0 };

function record(result: CallResult): void {
  seen.requests++;
  seen.attempts += result.attempts;
  if (result.status !== 200) {
    seen.failures++;
    return;
  }
  assert.notEqual(result.costNanos, undefined, `a 200 without a cost: ${result.body.slice(0, 200)}`);
  seen.costNanos += result.costNanos ?? 0n;
}

/** Request i of a mixed load: streamed or not, with or without usage, some on the flaky group. */
function mixed(i: number): [Record<string, unknown>, Record<string, string>] {
  const stream = i % 2 === 0;
  const body: Record<string, unknown> = {
    model: i % 5 === 0 ? "flaky" : "steady",
    messages: [{ role: "user", content: `request ${i}: ${"word ".repeat(i % 13)}` }],
    user: `end-user-${i % 7}`,
    ...(stream ? { stream: true, ...(i % 4 === 0 ? { stream_options: { include_usage: true } } : {}) } : {}),
  };
  return [body, i % 3 === 0 ? { "x-switchyard-tags": `batch:${i % 4},load` } : {}];
}

/** Sends `count` mixed requests, `concurrency` at a time, recording what each reported. */
async function load(count: number, concurrency: number, offset = 0): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      const [body, headers] = mixed(offset + i);
      record(await chat(gw.mesh.restUrl, body, headers));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function admin(path: string): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> {
  const res = await request(`${gw.mesh.restUrl}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  return { status: res.statusCode, json: await res.body.json(), headers: res.headers };
}

/** Spend and event count as the spend report adds them up (every group of every day). */
async function reportedTotals(): Promise<{ events: number; costNanos: bigint }> {
  const { status, json } = await admin("/global/spend/report?group_by=model");
  assert.equal(status, 200, JSON.stringify(json));
  let events = 0;
  let costNanos = 0n;
  for (const day of json as Array<{ models: Array<{ requests: number; total_spend_nanos: string }> }>) {
    for (const row of day.models) {
      events += row.requests;
      costNanos += BigInt(row.total_spend_nanos);
    }
  }
  return { events, costNanos };
}

/** Rows in ClickHouse: all of them, and distinct event ids. */
async function storedRows(): Promise<{ rows: number; events: number; costNanos: bigint }> {
  const ch = createClient({ url: gw.clickhouse.url });
  try {
    const rs = await ch.query({
      query:
        "SELECT count() AS rows, uniqExact(event_id) AS events, toString(sum(cost_nanos)) AS cost FROM switchyard.usage_events FINAL",
      format: "JSONEachRow",
    });
    const [row] = (await rs.json()) as Array<{ rows: string; events: string; cost: string }>;
    return { rows: Number(row?.rows ?? 0), events: Number(row?.events ?? 0), costNanos: BigInt(row?.cost ?? "0") };
  } finally {
    await ch.close();
  }
}

/** Waits until the spend report counts `events` events, or fails with what it counts. */
async function settle(events: number, timeoutMs = 120_000): Promise<{ events: number; costNanos: bigint }> {
  const deadline = Date.now() + timeoutMs;
  let last = { events: -1, costNanos: 0n };
  while (Date.now() < deadline) {
    last = await reportedTotals().catch(() => last);
    if (last.events >= events) {
      await sleep(1_500);
      return reportedTotals();
    }
    await sleep(500);
  }
  assert.fail(`expected ${events} events to land, the spend report counts ${last.events}`);
}

async function assertExact(): Promise<void> {
  const totals = await settle(seen.attempts);
  assert.equal(totals.events, seen.attempts, "one event per attempt");
  assert.equal(totals.costNanos, seen.costNanos, "spend equals the sum of the cost headers");
  const stored = await storedRows();
  assert.equal(stored.rows, seen.attempts, "ClickHouse holds one row per attempt");
  assert.equal(stored.events, seen.attempts);
  assert.equal(stored.costNanos, seen.costNanos);
}

describe("metering through the mesh", () => {
  it("answers with the exact cost from the config's prices, as header and LiteLLM header", async () => {
    gw.openai.script({
      status: 200,
      body: {
        id: "chatcmpl-golden",
        object: "chat.completion",
        created: 1_700_000_000,
        model: "gpt-4o",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "hi", refusal: null },
            finish_reason: "stop",
            logprobs: null,
          },
        ],
        usage: {
          prompt_tokens: 1000,
          completion_tokens: 200,
          total_tokens: 1200,
          prompt_tokens_details: { cached_tokens: 400, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 50, audio_tokens: 0 },
        },
      },
    });
    const res = await request(`${gw.mesh.restUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "priced", messages: [{ role: "user", content: "hi" }] }),
    });
    await res.body.text();
    assert.equal(res.statusCode, 200);
    // 600 uncached input x $2.5/M + 400 cached x $1.25/M + 200 output (reasoning included) x $10/M
    // = $0.0015 + $0.0005 + $0.002 = $0.004
    assert.equal(res.headers["x-switchyard-response-cost"], "0.004");
    assert.equal(res.headers["x-litellm-response-cost"], "0.004");
    record({ status: 200, attempts: 1, costNanos: 4_000_000n, body: "" });
  });

  it("meters 10,000 mixed requests exactly: one row per attempt, spend equal to the cost headers", async () => {
    await load(10_000, 32);
    assert.ok(seen.attempts > seen.requests, "some requests fell back, so some made two attempts");
    assert.equal(seen.failures, 0);
    await assertExact();
  });

  it("loses and duplicates nothing when the metering service is killed -9 three times during ingest", async () => {
    const traffic = load(3_000, 16, 20_000);
    for (let i = 0; i < 3; i++) {
      await sleep(1_000);
      await gw.mesh.kill("metering", 0, "SIGKILL");
      await sleep(500);
      await gw.mesh.restart("metering");
    }
    await traffic;
    await assertExact();
  });

  it("keeps serving while NATS is down and delivers every event once after it returns", async () => {
    const traffic = load(2_000, 16, 40_000);
    await sleep(500);
    await gw.nats.kill("SIGTERM");
    await sleep(3_000);
    await gw.nats.restart();
    await traffic;
    assert.equal(seen.failures, 0, "the gateway kept serving");
    await assertExact();
  });

  it("keeps serving while ClickHouse is frozen, then killed and restarted; memory stays bounded", async () => {
    const metering = gw.mesh.processes.find((p) => p.name === "metering");
    assert.ok(metering);
    gw.clickhouse.pause();
    const started = Date.now();
    let peak = 0;
    const traffic = load(4_000, 8, 60_000);
    while (Date.now() - started < 60_000) {
      peak = Math.max(peak, rssBytes(metering.pid) ?? 0);
      await sleep(1_000);
    }
    gw.clickhouse.resume();
    await gw.clickhouse.kill("SIGKILL");
    await gw.clickhouse.restart();
    await traffic;
    assert.equal(seen.failures, 0, "the gateway kept serving");
    assert.ok(peak < 200 * 1024 * 1024, `metering service RSS peaked at ${peak} bytes`);
    await assertExact();
  });

  it("refuses hostile spend filters with a 400 naming the field, and escapes the rest", async () => {
    const bad = await admin("/spend/logs?start_date=2024-13-99");
    assert.equal(bad.status, 400);
    assert.equal((bad.json as { error: { param: string } }).error.param, "start_date");
    const group = await admin("/global/spend/report?group_by=constructor");
    assert.equal(group.status, 400);
    for (const hostile of ["' OR 1=1 --", "\\' OR 1=1 --", "x'); DROP TABLE switchyard.usage_events; --", "\u0000\n"]) {
      const res = await admin(`/spend/logs?team_id=${encodeURIComponent(hostile)}&page_size=5`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.json, []);
    }
    const tagged = await admin(`/spend/logs?user_id=&end_user=${encodeURIComponent("end-user-3")}&page_size=1000`);
    assert.equal(tagged.status, 200);
    const rows = tagged.json as Array<{ end_user: string }>;
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.end_user === "end-user-3"));
    assert.equal((await storedRows()).rows, seen.attempts, "the table is still there, untouched");
  });

  it("pages through the spend logs without gaps or repeats", async () => {
    const ids = new Set<string>();
    let token = "";
    let pages = 0;
    do {
      const res = await admin(
        `/spend/logs?model=priced&page_size=1${token ? `&page_token=${encodeURIComponent(token)}` : ""}`,
      );
      assert.equal(res.status, 200);
      for (const row of res.json as Array<{ event_id: string }>) {
        assert.ok(!ids.has(row.event_id), "no repeats");
        ids.add(row.event_id);
      }
      token = String(res.headers["x-switchyard-next-page-token"] ?? "");
      pages++;
    } while (token && pages < 10);
    assert.equal(ids.size, 1);
  });

  it("refuses spend APIs without a key", async () => {
    const res = await request(`${gw.mesh.restUrl}/spend/logs`);
    assert.equal(res.statusCode, 401);
    await res.body.dump();
  });

  it("bills a stream the client abandons for what was generated, recorded as cancelled", async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.mesh.restUrl}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
        "x-request-id": "abandoned-stream-1",
      },
      body: JSON.stringify({ model: "slow", stream: true, messages: [{ role: "user", content: "tell me a story" }] }),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = "";
    while ((text.match(/data: /g) ?? []).length < 4) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    let rows: Array<Record<string, unknown>> = [];
    const deadline = Date.now() + 30_000;
    while (rows.length === 0 && Date.now() < deadline) {
      await sleep(300);
      rows = (await admin("/spend/logs?request_id=abandoned-stream-1")).json as Array<Record<string, unknown>>;
    }
    assert.equal(rows.length, 1, "one event for the one attempt");
    const row = rows[0]!;
    assert.equal(row.status, "cancelled");
    assert.equal(row.stream, true);
    assert.equal(row.tokens_estimated, true);
    assert.ok(
      Number(row.completion_tokens) > 0 && Number(row.completion_tokens) < 100,
      "billed for part of the answer",
    );
    assert.ok(BigInt(String(row.spend_nanos)) > 0n);
  });
});
