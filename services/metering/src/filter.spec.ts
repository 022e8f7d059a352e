import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { metering } from "@switchyard/proto";
import { eventConditions, parseFilter, rollupPlan } from "./filter.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

const DAY = 86_400_000n;
const filterOf = (init: Parameters<typeof create<typeof metering.SpendFilterSchema>>[1]) =>
  parseFilter(create(metering.SpendFilterSchema, init));

describe("filters", () => {
  it("lets the day rollup answer whole-day ranges with at most one dimension", () => {
    assert.deepEqual(rollupPlan(filterOf({})), { dimension: "key" });
    assert.deepEqual(rollupPlan(filterOf({}), "model"), { dimension: "model" });
    assert.deepEqual(rollupPlan(filterOf({ startMs: DAY, endMs: 3n * DAY, teamId: "t" })), {
      dimension: "team",
      value: "t",
    });
    assert.deepEqual(rollupPlan(filterOf({ teamId: "t" }), "team"), { dimension: "team", value: "t" });
    assert.equal(rollupPlan(filterOf({ teamId: "t" }), "key"), undefined, "grouping by another dimension");
    assert.equal(rollupPlan(filterOf({ teamId: "t", keyId: "k" })), undefined, "two dimensions");
    assert.equal(rollupPlan(filterOf({ requestId: "r" })), undefined, "not a dimension");
    assert.equal(rollupPlan(filterOf({ startMs: 1n })), undefined, "not a day boundary");
    assert.equal(rollupPlan(filterOf({ endMs: DAY + 1n })), undefined, "not a day boundary");
  });

  it("bounds day and minute for the index and escapes every value", () => {
    const conditions = eventConditions(filterOf({ startMs: DAY + 60_000n, endMs: 2n * DAY, keyId: "k'1" }));
    assert.deepEqual(
      conditions.map((c) => c.text),
      [
        "started_at_ms >= 86460000",
        "day >= toDate('1970-01-02')",
        "minute >= 1441",
        "started_at_ms < 172800000",
        "day <= toDate('1970-01-02')",
        "minute <= 2879",
        "`key_id` = 'k\\x271'",
      ],
    );
  });
});

describe("page tokens", () => {
  it("round-trip a position and refuse anything else", () => {
    const position = { startedAtMs: -5n, eventId: "evt 'x' 😀" };
    assert.deepEqual(decodePageToken(encodePageToken(position)), position);
    const bad = [
      "",
      "!!",
      Buffer.from("{}").toString("base64url"),
      Buffer.from('[1,"a"]').toString("base64url"),
      Buffer.from('["1.5","a"]').toString("base64url"),
      Buffer.from('["9223372036854775808","a"]').toString("base64url"),
      Buffer.from('["1","\\ud800"]').toString("base64url"),
    ];
    for (const token of bad) assert.throws(() => decodePageToken(token), /page_token/, token);
  });
});
