// Shared by the metering specs and the benchmark: real nats-server and clickhouse-server, usage events with exact
// expected totals, publishing with JetStream acknowledgements, and reading back what ClickHouse and the KV hold.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { type ClickHouseServer, type NatsServer, startClickHouse, startNats } from "@switchyard/launcher";
import { killOnParentExit } from "@switchyard/launcher/orphans";
import { metering } from "@switchyard/proto";
import { createLogger } from "@switchyard/runtime";
import {
  addSpend,
  ensureUsageStream,
  readSpend,
  SPEND_BUCKET,
  type SpendKind,
  type SpendTotals,
  USAGE_CONTENT_TYPE,
  usageSubject,
  utcDay,
  zeroSpend,
} from "@switchyard/usage";
import { sleep } from "./backoff.js";
import { getSpend, listSpendLogs, spendReport } from "./queries.js";
import { sql } from "./sql.js";
import { createStore, type Store } from "./store.js";

/** Hostile strings: quotes, backslashes, comments, control characters, NUL, non-ASCII, astral and long. */
export const HOSTILE: readonly string[] = [
  "",
  "'",
  "''",
  "\\",
  "\\'",
  "\\\\'",
  "' OR 1=1 --",
  "x' OR 'a'='a",
  "'; DROP TABLE usage_events; --",
  "\\x27 OR 1=1",
  "/* comment */",
  "`backtick`",
  '"double"',
  "%_*?",
  "\u0000",
  "a\u0000b",
  "\n\r\t\b\f\u000b\u001b\u007f",
  "\u0085\u2028\u2029",
  "Ünïcödé — 键 😀 \u{10ffff}",
  "\ufffd\ufeff",
  "{{x}} $1 ? :name {param:String}",
  "x".repeat(60_000),
];

/** A logger that stays quiet unless a spec is debugged with LOG_LEVEL. */
export const testLog = createLogger("metering-test", process.env.LOG_LEVEL ?? "silent");

/** NATS with the usage stream, ClickHouse, and clients on both. */
export interface Infra {
  readonly nats: NatsServer;
  readonly clickhouse: ClickHouseServer;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  stop(): Promise<void>;
}

/** Starts both servers, the usage stream and a NATS client. */
export async function startInfra(): Promise<Infra> {
  const [nats, clickhouse] = await Promise.all([startNats(), startClickHouse()]);
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, noAsyncTraces: true });
  await ensureUsageStream(await jetstreamManager(nc));
  return {
    nats,
    clickhouse,
    nc,
    js: jetstream(nc),
    async stop() {
      await nc.close();
      await Promise.all([nats.stop(), clickhouse.stop()]);
    },
  };
}

/** A store on `infra`'s ClickHouse with a short request timeout, so failures surface quickly in specs. */
export function testStore(infra: Infra, database = "switchyard", requestTimeoutMs = 5_000): Store {
  return createStore({ url: infra.clickhouse.url, username: "default", password: "", database, requestTimeoutMs });
}

const TEAMS = ["team-a", "team-b", "team-c"];
/** Noon UTC on 2025-03-01, so a spec's events span two days either side of midnight. */
export const BASE_MS = Date.UTC(2025, 2, 1, 12);

/** A usage event numbered `i`; ids, owners, times and costs are functions of `i`. */
export function makeEvent(i: number, overrides: Partial<metering.UsageEvent> = {}): metering.UsageEvent {
  const started = BigInt(BASE_MS + (i % 48) * 1_800_000 + (i % 997));
  const event = create(metering.UsageEventSchema, {
    eventId: `evt-${i.toString().padStart(8, "0")}`,
    requestId: `req-${Math.floor(i / 2)}`,
    attempt: 1 + (i % 2),
    startedAtMs: started,
    endedAtMs: started + 250n,
    caller: {
      keyId: `key-${i % 7}`,
      teamId: TEAMS[i % 3] ?? "",
      userId: i % 5 === 0 ? "" : `user-${i % 11}`,
      endUser: `end-${i % 13}`,
      tags: ["bench", `t${i % 2}`],
      metadata: { region: i % 2 ? "eu" : "us" },
    },
    route: { requestedModel: "gpt", modelGroup: i % 4 ? "gpt" : "claude", provider: i % 4 ? "openai" : "anthropic" },
    tokens: {
      prompt: 100 + (i % 50),
      completion: 20 + (i % 9),
      cacheRead: i % 3,
      reasoning: i % 4,
      // Some events bill audio seconds (a transcription) or rerank queries as well.
      audioMillis: i % 4 === 3 ? 1_000 + i : 0,
      queries: i % 6 === 5 ? 1 + (i % 3) : 0,
    },
    // About $9,007 an event: a thousand of them pass 2^53 nano-dollars, where a float sum starts losing nano-dollars.
    costNanos: 9_007_199_254_741n + BigInt(i) * 7_919n,
    priceVersion: "test",
    latencyMs: 250,
    status: metering.Status.OK,
    httpStatus: 200,
    operation: "chat.completions",
    instance: "spec",
  });
  return Object.assign(event, overrides);
}

/** Publishes events and waits for JetStream to store each; `msgId` overrides the Nats-Msg-Id (to defeat dedupe). */
export async function publish(
  js: JetStreamClient,
  events: readonly metering.UsageEvent[],
  msgId: (e: metering.UsageEvent) => string = (e) => e.eventId,
  concurrency = 256,
): Promise<void> {
  for (let i = 0; i < events.length; i += concurrency) {
    await Promise.all(
      events.slice(i, i + concurrency).map((e) => {
        const h = headers();
        h.set("content-type", USAGE_CONTENT_TYPE);
        return js.publish(usageSubject(e.operation || "chat"), toBinary(metering.UsageEventSchema, e), {
          msgID: msgId(e),
          headers: h,
        });
      }),
    );
  }
}

/** Exact totals of distinct events, by event id. */
export function totalsOf(events: readonly metering.UsageEvent[]): SpendTotals {
  const seen = new Map(events.map((e) => [e.eventId, e]));
  const total = zeroSpend();
  for (const e of seen.values()) {
    addSpend(total, {
      costNanos: e.costNanos,
      events: 1n,
      promptTokens: BigInt(e.tokens?.prompt ?? 0),
      completionTokens: BigInt(e.tokens?.completion ?? 0),
    });
  }
  return total;
}

/** Exact audio milliseconds and rerank queries of distinct events, by event id. */
export function unitsOf(events: readonly metering.UsageEvent[]): { audioMillis: bigint; queries: bigint } {
  let audioMillis = 0n;
  let queries = 0n;
  for (const e of new Map(events.map((e) => [e.eventId, e])).values()) {
    audioMillis += BigInt(e.tokens?.audioMillis ?? 0);
    queries += BigInt(e.tokens?.queries ?? 0);
  }
  return { audioMillis, queries };
}

/** Rows in usage_events: physically (duplicates included) and after deduplication, with the exact cost sum. */
export async function storedCounts(store: Store): Promise<{ distinct: number; final: number; costNanos: bigint }> {
  const [row] = await store.rows<{ distinct: string; final: string; cost: string }>(
    sql`SELECT uniqExact(event_id) AS distinct, count() AS final, toString(sum(cost_nanos)) AS cost
FROM ${store.table("usage_events")} FINAL`,
  );
  return { distinct: Number(row?.distinct ?? 0), final: Number(row?.final ?? 0), costNanos: BigInt(row?.cost ?? 0) };
}

/** Retries `check` until it stops throwing or `timeoutMs` passes, then throws its last error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(everyMs);
    }
  }
}

/** Opens the live-spend bucket (creating it if the service has not yet). */
export async function spendBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(SPEND_BUCKET, { history: 1 });
}

const OWNERS: Record<SpendKind, (e: metering.UsageEvent) => string> = {
  key: (e) => e.caller?.keyId ?? "",
  team: (e) => e.caller?.teamId ?? "",
  user: (e) => e.caller?.userId ?? "",
  end_user: (e) => e.caller?.endUser ?? "",
};

/** Asserts that the live spend of every key, team, user and end user equals the events' exact totals, per day. */
export async function assertLiveSpend(
  kv: KV,
  events: readonly metering.UsageEvent[],
  timeoutMs = 15_000,
): Promise<void> {
  // Live spend is written in the background after the acknowledgement, so it is checked until it settles.
  await eventually(() => liveSpendEquals(kv, events), timeoutMs, 100);
}

async function liveSpendEquals(kv: KV, events: readonly metering.UsageEvent[]): Promise<void> {
  const distinct = [...new Map(events.map((e) => [e.eventId, e])).values()];
  for (const kind of Object.keys(OWNERS) as SpendKind[]) {
    const groups = new Map<string, metering.UsageEvent[]>();
    for (const e of distinct) {
      const id = OWNERS[kind](e);
      if (id === "") continue;
      const key = `${id}\u0000${utcDay(Number(e.startedAtMs))}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    for (const [key, group] of groups) {
      const [id = "", day = ""] = key.split("\u0000");
      assert.deepEqual(await readSpend(kv, kind, id, day, day), totalsOf(group), `${kind} ${id} on ${day}`);
    }
  }
}

/** Pages through every spend log matching `filter`, asserting no event id repeats; returns the events. */
export async function allLogs(
  store: Store,
  filter: MessageInitShape<typeof metering.SpendFilterSchema> = {},
  pageSize = 1000,
): Promise<metering.UsageEvent[]> {
  const out: metering.UsageEvent[] = [];
  let pageToken = "";
  do {
    const page = await listSpendLogs(
      store,
      create(metering.ListSpendLogsRequestSchema, {
        filter: create(metering.SpendFilterSchema, filter),
        pageSize,
        pageToken,
      }),
    );
    out.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  assert.equal(new Set(out.map((e) => e.eventId)).size, out.length, "no event appears on two pages");
  return out;
}

/** Sums a spend report's rows. */
export function reportTotals(res: metering.SpendReportResponse): { costNanos: bigint; events: bigint } {
  let costNanos = 0n;
  let events = 0n;
  for (const row of res.rows) {
    costNanos += row.costNanos;
    events += row.requests;
  }
  return { costNanos, events };
}

/** Sums a spend report's audio milliseconds and rerank queries. */
export function reportUnits(res: metering.SpendReportResponse): { audioMillis: bigint; queries: bigint } {
  let audioMillis = 0n;
  let queries = 0n;
  for (const row of res.rows) {
    audioMillis += row.audioMillis;
    queries += row.queries;
  }
  return { audioMillis, queries };
}

/**
 * Asserts that every query counts each of `events` exactly once: the stored rows, GetSpend and SpendReport (from the
 * rollup and from the events), every page of spend logs, and the live spend in the KV bucket.
 */
export async function assertExact(
  store: Store,
  kv: KV,
  events: readonly metering.UsageEvent[],
  timeoutMs = 30_000,
): Promise<void> {
  // Events are acknowledged once stored; their rollups and live spend follow within a recompute or two.
  await eventually(() => exactNow(store, kv, events), timeoutMs, 250);
}

async function exactNow(store: Store, kv: KV, events: readonly metering.UsageEvent[]): Promise<void> {
  const want = totalsOf(events);
  const counts = await storedCounts(store);
  assert.equal(counts.final, Number(want.events), "one row per event");
  assert.equal(counts.distinct, Number(want.events));
  assert.equal(counts.costNanos, want.costNanos);

  const all = await getSpend(store, create(metering.GetSpendRequestSchema));
  assert.deepEqual(
    [all.costNanos, all.events, all.promptTokens, all.completionTokens],
    [want.costNanos, want.events, want.promptTokens, want.completionTokens],
  );
  // start_ms = 1 is not a day boundary, so this report is computed from the events rather than the rollup.
  for (const startMs of [0n, 1n]) {
    for (const groupBy of [metering.GroupBy.KEY, metering.GroupBy.TEAM, metering.GroupBy.UNSPECIFIED]) {
      const req = create(metering.SpendReportRequestSchema, { groupBy, filter: { startMs } });
      const report = await spendReport(store, req);
      assert.deepEqual(reportTotals(report), { costNanos: want.costNanos, events: want.events });
      assert.deepEqual(reportUnits(report), unitsOf(events), "audio seconds and rerank queries");
    }
  }
  const logs = await allLogs(store);
  assert.equal(logs.length, Number(want.events));
  assert.deepEqual(unitsOf(logs), unitsOf(events), "spend logs carry each event's audio seconds and queries");
  await assertLiveSpend(kv, events, 0);
}

/** The metering service running as its own process (the compiled main.js). */
export interface ServiceProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: probes and the Connect API. */
  readonly httpUrl: string;
  /** Parsed JSON log lines so far. */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

/** Starts main.js with `env` on free loopback ports and resolves once it logs that it listens (it is ready then). */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...inherited,
      LOG_LEVEL: "info",
      SWITCHYARD_GRPC_ADDR: "127.0.0.1:0",
      SWITCHYARD_HTTP_ADDR: "127.0.0.1:0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnParentExit(child);
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "listening") resolve(Number(entry.httpPort));
      } catch {
        logs.push({ raw: line });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => logs.push({ stderr: chunk.toString() }));
    void exited.then((code) => reject(new Error(`metering exited with ${code}: ${JSON.stringify(logs.slice(-5))}`)));
  });
  const port = await listening;
  return {
    pid: child.pid ?? -1,
    httpUrl: `http://127.0.0.1:${port}`,
    logs,
    exited,
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}
