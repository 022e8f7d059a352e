import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, equals } from "@bufbuild/protobuf";
import { startClickHouse } from "@switchyard/launcher";
import { metering } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { MAX_FILTER_CHARS } from "./filter.js";
import { getSpend, listSpendLogs, spendReport } from "./queries.js";
import { emptyTouched, recompute, touch } from "./rollup.js";
import { toRow } from "./rows.js";
import { migrate } from "./schema.js";
import { sql, str } from "./sql.js";
import { createStore, type Store } from "./store.js";
import {
  allLogs,
  BASE_MS,
  HOSTILE,
  makeEvent,
  reportTotals,
  reportUnits,
  testLog,
  totalsOf,
  unitsOf,
} from "./testkit.js";

type FilterInit = Parameters<typeof create<typeof metering.SpendFilterSchema>>[1];

/** Stores events the way the pipeline does: insert, then recompute the rollups of what they touched. */
async function store(s: Store, events: readonly metering.UsageEvent[]): Promise<void> {
  const rows = events.map((e) => toRow(e, e.eventId));
  await s.insert("usage_events", rows);
  const touched = emptyTouched();
  for (const row of rows) touch(touched, row);
  await recompute(s, touched);
}

const FILTER_FIELDS = ["keyId", "teamId", "userId", "endUser", "modelGroup", "provider", "requestId"] as const;

describe("spend queries on ClickHouse 18.16", () => {
  let stop: () => Promise<void>;
  let s: Store;
  const hostile = HOSTILE.filter((v) => v !== "");
  const hostileEvents = hostile.map((v, i) =>
    makeEvent(100_000 + i, {
      eventId: `hostile-${i}-${v.slice(0, 100)}`,
      requestId: v,
      caller: create(metering.CallerSchema, {
        keyId: v,
        teamId: v,
        userId: v,
        endUser: v,
        tags: [v],
        metadata: { [v.slice(0, 1000)]: v },
      }),
      route: create(metering.RouteSchema, { modelGroup: v, provider: v, requestedModel: v }),
    }),
  );
  const plain = Array.from({ length: 1_000 }, (_, i) =>
    // A tenth of them start in the same millisecond, so pages must break ties by event id.
    makeEvent(i, i % 10 === 0 ? { startedAtMs: BigInt(BASE_MS) } : {}),
  );
  /** A transcription billed by the second and a rerank billed by the query, in a team of their own. */
  const unitEvent = (i: number, group: string, operation: string, tokens: { audioMillis?: number; queries?: number }) =>
    makeEvent(i, {
      eventId: `units-${group}`,
      operation,
      caller: create(metering.CallerSchema, { keyId: "key-units", teamId: "units" }),
      route: create(metering.RouteSchema, { requestedModel: group, modelGroup: group, provider: "units" }),
      tokens: create(metering.TokensSchema, tokens),
    });
  const units = [
    unitEvent(200_001, "whisper", "audio.transcriptions", { audioMillis: 3_235 }),
    unitEvent(200_002, "rerank", "rerank", { queries: 3 }),
  ];

  before(async () => {
    const clickhouse = await startClickHouse();
    stop = () => clickhouse.stop();
    s = createStore({ url: clickhouse.url, username: "default", password: "", database: "metering_q" });
    await migrate(s, testLog);
    await store(s, [...plain, ...hostileEvents, ...units]);
    // Stored twice, as a redelivery would: every query must still count each event once.
    await store(s, plain.slice(0, 250));
  });
  after(async () => {
    await s?.close();
    await stop?.();
  });

  it("reads every hostile string literal back unchanged from the server", async () => {
    const every = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
    for (const value of [...HOSTILE, every]) {
      const [row] = await s.rows<{ v: string; n: string }>(sql`SELECT ${str(value)} AS v, length(v) AS n`);
      assert.equal(row?.v, value);
      assert.equal(Number(row?.n), Buffer.byteLength(value, "utf8"));
    }
  });

  it("filters by hostile values and gets exactly the matching event, from the events and the rollup", async () => {
    for (const [i, value] of hostile.entries()) {
      const event = hostileEvents[i]!;
      for (const field of FILTER_FIELDS) {
        // start_ms 0 lets the rollup answer single-dimension filters; start_ms 1 forces the events.
        for (const startMs of [0n, 1n]) {
          const filter: FilterInit = { [field]: value, startMs };
          const logs = await allLogs(s, filter);
          assert.equal(logs.length, 1, `${field} = ${JSON.stringify(value.slice(0, 40))}`);
          assert.ok(equals(metering.UsageEventSchema, logs[0]!, event), "the event round-trips field by field");
          const total = await getSpend(s, create(metering.GetSpendRequestSchema, { filter }));
          assert.equal(total.costNanos, event.costNanos);
          assert.equal(total.events, 1n);
        }
      }
      const report = await spendReport(
        s,
        create(metering.SpendReportRequestSchema, { groupBy: metering.GroupBy.KEY, filter: { keyId: value } }),
      );
      assert.deepEqual(
        report.rows.map((r) => [r.group, r.costNanos]),
        [[value, event.costNanos]],
      );
    }
  });

  it("matches nothing for injection payloads that name no stored value", async () => {
    for (const value of ["' OR '1'='1", "x' OR 1=1 --", "\\' OR 1=1 --", "key-1' --", "%", "key-%"]) {
      const total = await getSpend(s, create(metering.GetSpendRequestSchema, { filter: { keyId: value } }));
      assert.equal(total.events, 0n, value);
      assert.equal((await allLogs(s, { teamId: value, startMs: 1n })).length, 0, value);
    }
  });

  it("pages newest first with ties broken by event id, never skipping or repeating", async () => {
    const pages = await allLogs(s, { teamId: "team-a" }, 37);
    const want = plain.filter((e) => e.caller?.teamId === "team-a");
    assert.equal(pages.length, want.length);
    for (let i = 1; i < pages.length; i++) {
      const [a, b] = [pages[i - 1]!, pages[i]!];
      assert.ok(
        a.startedAtMs > b.startedAtMs || (a.startedAtMs === b.startedAtMs && a.eventId > b.eventId),
        "newest first, then event id descending",
      );
    }
    const first = await listSpendLogs(s, create(metering.ListSpendLogsRequestSchema, { pageSize: 5_000 }));
    assert.equal(first.events.length, 1_000, "page size is capped at 1000");
    assert.notEqual(first.nextPageToken, "");
    const small = await listSpendLogs(s, create(metering.ListSpendLogsRequestSchema));
    assert.equal(small.events.length, 100, "page size 0 means 100");
  });

  it("stores audio seconds and rerank queries, lists them per event and sums them from the events and rollup", async () => {
    const logs = await allLogs(s, { teamId: "units" });
    assert.deepEqual(
      logs.map((e) => [e.eventId, e.operation, e.tokens?.audioMillis, e.tokens?.queries]),
      [
        ["units-rerank", "rerank", 0, 3],
        ["units-whisper", "audio.transcriptions", 3_235, 0],
      ],
    );
    for (const event of units)
      assert.ok(equals(metering.UsageEventSchema, logs.find((e) => e.eventId === event.eventId)!, event));
    const [stored] = await s.rows<{ audio_millis: number; queries: number }>(
      sql`SELECT audio_millis, queries FROM ${s.table("usage_events")} FINAL WHERE event_id = ${str("units-whisper")}`,
    );
    assert.deepEqual(stored, { audio_millis: 3_235, queries: 0 });
    // start_ms 0 reads the day rollup (grouped by model, no other filter); start_ms 1 reads the events.
    for (const startMs of [0n, 1n]) {
      const req = create(metering.SpendReportRequestSchema, { groupBy: metering.GroupBy.MODEL, filter: { startMs } });
      const rows = (await spendReport(s, req)).rows.filter((r) => r.group === "whisper" || r.group === "rerank");
      assert.deepEqual(
        rows.map((r) => [r.group, r.audioMillis, r.queries, r.requests]),
        [
          ["rerank", 0n, 3n, 1n],
          ["whisper", 3_235n, 0n, 1n],
        ],
        `start_ms ${startMs}`,
      );
    }
    const byTeam = await spendReport(
      s,
      create(metering.SpendReportRequestSchema, { groupBy: metering.GroupBy.TEAM, filter: { teamId: "units" } }),
    );
    assert.deepEqual(reportUnits(byTeam), { audioMillis: 3_235n, queries: 3n });
  });

  it("reports the same totals from the rollup and from the events, each event counted once", async () => {
    const all = [...plain, ...hostileEvents, ...units];
    for (const groupBy of [
      metering.GroupBy.KEY,
      metering.GroupBy.TEAM,
      metering.GroupBy.USER,
      metering.GroupBy.END_USER,
      metering.GroupBy.MODEL,
      metering.GroupBy.PROVIDER,
      metering.GroupBy.UNSPECIFIED,
    ]) {
      const fromRollup = await spendReport(s, create(metering.SpendReportRequestSchema, { groupBy }));
      const fromEvents = await spendReport(
        s,
        create(metering.SpendReportRequestSchema, { groupBy, filter: { startMs: 1n } }),
      );
      assert.deepEqual(fromRollup.rows, fromEvents.rows, `group_by ${groupBy}`);
      const want = totalsOf(all);
      assert.deepEqual(reportTotals(fromRollup), { costNanos: want.costNanos, events: want.events });
      assert.deepEqual(reportUnits(fromRollup), unitsOf(all));
    }
    const day = Date.UTC(2025, 2, 1);
    const oneDay = { startMs: BigInt(day), endMs: BigInt(day + 86_400_000) };
    const inDay = plain.filter((e) => e.startedAtMs >= oneDay.startMs && e.startedAtMs < oneDay.endMs);
    const spend = await getSpend(
      s,
      create(metering.GetSpendRequestSchema, { filter: { ...oneDay, teamId: "team-b" } }),
    );
    const want = totalsOf(inDay.filter((e) => e.caller?.teamId === "team-b"));
    assert.deepEqual([spend.costNanos, spend.events], [want.costNanos, want.events]);
  });

  it("rejects invalid filters, tokens and groupings as invalid requests", async () => {
    const invalid = async (promise: Promise<unknown>, param: RegExp) => {
      await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.detail.class, 1);
        assert.match(err.message, param);
        return true;
      });
    };
    const spend = (filter: FilterInit) => getSpend(s, create(metering.GetSpendRequestSchema, { filter }));
    await invalid(spend({ startMs: -1n }), /start_ms/);
    await invalid(spend({ startMs: 10n, endMs: 10n }), /end_ms/);
    await invalid(spend({ keyId: "k".repeat(MAX_FILTER_CHARS + 1) }), /key_id/);
    await invalid(
      spendReport(s, create(metering.SpendReportRequestSchema, { groupBy: 42 as metering.GroupBy })),
      /group_by/,
    );
    for (const pageToken of ["not a token", "W10", Buffer.from('["1","a","b"]').toString("base64url"), "' OR 1=1"]) {
      await invalid(listSpendLogs(s, create(metering.ListSpendLogsRequestSchema, { pageToken })), /page_token/);
    }
  });
});
