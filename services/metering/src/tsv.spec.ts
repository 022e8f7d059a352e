import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, equals, toBinary } from "@bufbuild/protobuf";
import { type ClickHouseServer, startClickHouse } from "@switchyard/launcher";
import { metering } from "@switchyard/proto";
import { EventTsvWriter, TSV_COLUMNS } from "./event-tsv.js";
import { fromRow, type StoredRow } from "./rows.js";
import { migrate } from "./schema.js";
import { sql } from "./sql.js";
import { createStore, type Store } from "./store.js";
import { HOSTILE, makeEvent, testLog } from "./testkit.js";
import { toTsv } from "./tsv.js";

/** Every UTF-16 code unit below 256, and a few beyond. */
const EVERY = `${Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("")}\u2028😀`;

describe("toTsv", () => {
  it("writes one line per row, fields in column order, with no raw tab or line break inside a field", () => {
    const text = toTsv(["b", "a", "list"], [{ a: "x\ty", b: 7, list: ["it's", "\\"] }]);
    assert.equal(text, "7\tx\\ty\t['it\\'s','\\\\']\n");
    for (const value of [...HOSTILE, EVERY]) {
      const line = toTsv(["s", "a"], [{ s: value, a: [value, value] }]);
      assert.equal(line.split("\n").length, 2, "one line");
      assert.equal(line.split("\t").length, 2, "two fields");
      assert.doesNotMatch(line.slice(0, -1), /[\n\r\0]/);
    }
  });

  it("refuses what it cannot write exactly, naming the column", () => {
    assert.throws(() => toTsv(["a", "b"], [{ a: "x" }]), /column b/);
    assert.throws(() => toTsv(["n"], [{ n: 1.5 }]), /integer in column n/);
    assert.throws(() => toTsv(["n"], [{ n: 2 ** 53 }]), /integer in column n/);
    assert.throws(() => toTsv(["t"], [{ t: [1] }]), /array of strings in column t/);
    assert.throws(() => toTsv(["o"], [{ o: { x: 1 } }]), /column o/);
  });
});

describe("TabSeparated inserts on ClickHouse 18.16", () => {
  let clickhouse: ClickHouseServer;
  let store: Store;

  before(async () => {
    clickhouse = await startClickHouse();
    store = createStore({ url: clickhouse.url, username: "default", password: "", database: "tsv" });
    await store.command(sql`CREATE DATABASE IF NOT EXISTS tsv`);
    // A table the service owns, with string, array and 64-bit columns.
    await store.command(sql`CREATE TABLE tsv.audit_log (before_json String, tags Array(String), time_ms Int64,
  n UInt64) ENGINE = MergeTree() ORDER BY time_ms`);
  });
  after(async () => {
    await store?.close();
    await clickhouse?.stop();
  });

  it("reads every hostile string, in a field and in an array, back unchanged", async () => {
    const values = [...HOSTILE, EVERY];
    await store.insert(
      "audit_log",
      values.map((v, i) => ({ before_json: v, tags: [v, "", v], time_ms: i, n: "18446744073709551615" })),
    );
    const rows = await store.rows<{ before_json: string; tags: string[]; n: string }>(
      sql`SELECT before_json, tags, n FROM tsv.audit_log ORDER BY time_ms`,
    );
    assert.equal(rows.length, values.length);
    rows.forEach((row, i) => {
      assert.equal(row.before_json, values[i]);
      assert.deepEqual(row.tags, [values[i], "", values[i]]);
      assert.equal(row.n, "18446744073709551615");
    });
  });

  it("stores usage events written straight from protobuf with every hostile string in every field, unchanged", async () => {
    await migrate(store, testLog);
    const values = [...HOSTILE, EVERY.replace(/[\ud800-\udfff]/g, "")];
    const events = values.map((v, i) =>
      makeEvent(i, {
        eventId: `hostile-${i}-${v}`,
        requestId: v,
        caller: create(metering.CallerSchema, {
          keyId: v,
          keyAlias: v,
          teamId: v,
          userId: v,
          endUser: v,
          tags: [v, "", v],
          metadata: { [v]: v, [`${v}2`]: "" },
        }),
        route: create(metering.RouteSchema, {
          requestedModel: v,
          modelGroup: v,
          deploymentId: v,
          provider: v,
          upstreamModel: v,
        }),
        priceVersion: v,
        operation: v,
        instance: v,
      }),
    );
    const writer = new EventTsvWriter();
    for (const e of events) writer.append(toBinary(metering.UsageEventSchema, e), () => "unused");
    await store.insertTsv("usage_events", TSV_COLUMNS, writer.body());
    const rows = await store.rows<StoredRow>(sql`SELECT * FROM tsv.usage_events`);
    const stored = new Map(rows.map((row) => [row.event_id, fromRow(row)]));
    assert.equal(stored.size, events.length);
    for (const event of events) {
      const back = stored.get(event.eventId);
      assert.ok(back && equals(metering.UsageEventSchema, back, event), JSON.stringify(event.eventId));
    }
  });
});
