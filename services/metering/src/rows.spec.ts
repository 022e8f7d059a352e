import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, equals } from "@bufbuild/protobuf";
import { metering } from "@switchyard/proto";
import { dayOf, fromRow, i64, minuteOf, type StoredRow, toRow, u64 } from "./rows.js";
import { makeEvent } from "./testkit.js";

describe("event rows", () => {
  it("round-trips an event through its row, 64-bit values as strings", () => {
    const event = makeEvent(7, { costNanos: 18_446_744_073_709_551_615n, startedAtMs: 9_007_199_254_740_993n });
    const row = toRow(event, "unused");
    assert.equal(row.cost_nanos, "18446744073709551615");
    assert.equal(row.started_at_ms, "9007199254740993");
    assert.ok(equals(metering.UsageEventSchema, fromRow(row as StoredRow), event));
  });

  it("stores an event without an id under the fallback id, and an empty event as zeros", () => {
    const row = toRow(create(metering.UsageEventSchema), "stream-seq-9");
    assert.equal(row.event_id, "stream-seq-9");
    assert.equal(row.day, "1970-01-01");
    assert.deepEqual([row.key_id, row.cost_nanos, row.tags.length], ["", "0", 0]);
  });

  it("derives day and minute in UTC, clamped into ClickHouse's Date range", () => {
    assert.equal(dayOf(Date.UTC(2025, 0, 31, 23, 59, 59, 999)), "2025-01-31");
    assert.equal(dayOf(Date.UTC(2025, 1, 1)), "2025-02-01");
    assert.equal(minuteOf(Date.UTC(2025, 1, 1, 0, 1, 30)), Date.UTC(2025, 1, 1, 0, 1) / 60_000);
    assert.equal(dayOf(-5n), "1970-01-01");
    assert.equal(dayOf(9_223_372_036_854_775_807n), "2105-12-31");
  });

  it("reads ClickHouse integers exactly and refuses anything else", () => {
    assert.equal(u64("18446744073709551615"), 18_446_744_073_709_551_615n);
    assert.equal(u64(42), 42n);
    assert.equal(i64("-9223372036854775808"), -9_223_372_036_854_775_808n);
    for (const bad of ["18446744073709551616", "-1", "1.5", "1e3", "", " 1", 1.5, null]) {
      assert.throws(() => u64(bad), /UInt64/, String(bad));
    }
    assert.throws(() => i64("9223372036854775808"), /Int64/);
  });
});
