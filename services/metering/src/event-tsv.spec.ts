import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { metering } from "@switchyard/proto";
import { EventTsvWriter, readerTable, TSV_COLUMNS } from "./event-tsv.js";
import { EVENT_COLUMNS, toRow } from "./rows.js";
import { HOSTILE, makeEvent } from "./testkit.js";
import { toTsv } from "./tsv.js";

/** The reference path: decode with protobuf-es, map with toRow, write with toTsv. */
function reference(bytes: Uint8Array, fallback = "fallback-id"): string {
  const event = fromBinary(metering.UsageEventSchema, bytes);
  return toTsv(EVENT_COLUMNS, [toRow(event, event.eventId === "" ? fallback : "")]);
}

function fast(bytes: Uint8Array, fallback = "fallback-id"): string {
  const writer = new EventTsvWriter(16);
  writer.append(bytes, () => fallback);
  return writer.body().toString("utf8");
}

function assertSame(bytes: Uint8Array, what: string): void {
  assert.equal(fast(bytes), reference(bytes), what);
}

/** Both paths refuse the bytes. */
function assertRefused(bytes: Uint8Array, what: string): void {
  assert.throws(() => reference(bytes), Error, `reference: ${what}`);
  assert.throws(() => fast(bytes), Error, what);
}

/** A deterministic pseudo-random source, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = [...HOSTILE, "", "plain", "\uFEFFbom first", "naïve café", "😀 emoji", "\u2028", "'", "\\"];
const UINT32 = [0, 1, 9, 10, 99, 100, 4_294_967_295, 2_147_483_648, 123_456_789];
const INT64 = [
  0n,
  1n,
  -1n,
  1_700_000_000_000n,
  9_007_199_254_740_993n,
  9_223_372_036_854_775_807n,
  -9_223_372_036_854_775_808n,
];
const UINT64 = [0n, 1n, 18_446_744_073_709_551_615n, 9_007_199_254_740_993n, 1_250_000n];

function randomEvent(next: () => number): metering.UsageEvent {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const metadata: Record<string, string> = {};
  const entries = Math.floor(next() * 4) === 0 ? 20 : Math.floor(next() * 4);
  for (let i = 0; i < entries; i++) metadata[`${pick(STRINGS)}${i % 3}`] = pick(STRINGS);
  return create(metering.UsageEventSchema, {
    eventId: pick(STRINGS),
    requestId: pick(STRINGS),
    attempt: pick(UINT32),
    startedAtMs: pick(INT64),
    endedAtMs: pick(INT64),
    caller: {
      keyId: pick(STRINGS),
      keyAlias: pick(STRINGS),
      teamId: pick(STRINGS),
      userId: pick(STRINGS),
      endUser: pick(STRINGS),
      tags: Array.from({ length: Math.floor(next() * 4) }, () => pick(STRINGS)),
      metadata,
    },
    route: {
      requestedModel: pick(STRINGS),
      modelGroup: pick(STRINGS),
      deploymentId: pick(STRINGS),
      provider: pick(STRINGS),
      upstreamModel: pick(STRINGS),
      fallbackDepth: pick(UINT32),
    },
    tokens: {
      prompt: pick(UINT32),
      completion: pick(UINT32),
      cacheRead: pick(UINT32),
      cacheWrite: pick(UINT32),
      reasoning: pick(UINT32),
      promptAudio: pick(UINT32),
      completionAudio: pick(UINT32),
      images: pick(UINT32),
      estimated: next() < 0.5,
      audioMillis: pick(UINT32),
      queries: pick(UINT32),
    },
    costNanos: pick(UINT64),
    priceVersion: pick(STRINGS),
    latencyMs: pick(UINT32),
    ttftMs: pick(UINT32),
    stream: next() < 0.5,
    status: pick([0, 1, 2, 3, 99, -1, -2_147_483_648]),
    errorClass: pick([0, 1, 7, 2_147_483_647, -5]),
    httpStatus: pick(UINT32),
    cacheHit: next() < 0.5,
    operation: pick(STRINGS),
    instance: pick(STRINGS),
  });
}

/** Raw field bytes: `field` with `wireType`, written by `write`. */
function raw(...parts: ((w: BinaryWriter) => void)[]): Uint8Array {
  const w = new BinaryWriter();
  for (const part of parts) part(w);
  return w.finish();
}

describe("EventTsvWriter", () => {
  it("writes the columns of rows.ts, in their order", () => {
    assert.deepEqual(TSV_COLUMNS, EVENT_COLUMNS);
  });

  it("writes the same line as fromBinary, toRow and toTsv for 2,000 events with hostile and extreme values", () => {
    const next = random(42);
    for (let i = 0; i < 2_000; i++) {
      const event = randomEvent(next);
      assertSame(toBinary(metering.UsageEventSchema, event), `event ${i}: ${JSON.stringify(event.eventId)}`);
    }
    for (let i = 0; i < 50; i++) assertSame(toBinary(metering.UsageEventSchema, makeEvent(i)), `makeEvent(${i})`);
  });

  it("uses the fallback id for an event without one, and writes an empty event as zeros", () => {
    const empty = new Uint8Array(0);
    assert.equal(fast(empty, "stream-seq-9"), reference(empty, "stream-seq-9"));
    assert.match(fast(empty, "stream-seq-9"), /^stream-seq-9\t\t0\t0\t0\t1970-01-01\t0\t/);
    let asked = 0;
    new EventTsvWriter().append(toBinary(metering.UsageEventSchema, makeEvent(1)), () => `${asked++}`);
    assert.equal(asked, 0, "the fallback is only computed for an event without an id");
  });

  it("refuses invalid UTF-8 as protobuf-es does, in fields, tags, metadata keys and values", () => {
    const bad = [
      new Uint8Array([0xff]),
      new Uint8Array([0x41, 0xc3]),
      new Uint8Array([0xed, 0xa0, 0x80]),
      new Uint8Array([0xf0, 0x9f, 0x98]),
      new Uint8Array([0xc0, 0x80, 0x27, 0x5c]),
    ];
    const string = (no: number, bytes: Uint8Array) => (w: BinaryWriter) =>
      w.tag(no, WireType.LengthDelimited).bytes(bytes);
    const caller =
      (...parts: ((w: BinaryWriter) => void)[]) =>
      (w: BinaryWriter) => {
        w.tag(6, WireType.LengthDelimited).fork();
        for (const part of parts) part(w);
        w.join();
      };
    const entry = (key: Uint8Array, value: Uint8Array) => (w: BinaryWriter) =>
      w
        .tag(7, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .bytes(key)
        .tag(2, WireType.LengthDelimited)
        .bytes(value)
        .join();
    const ok = new TextEncoder().encode("ok");
    for (const bytes of bad) {
      assertRefused(raw(string(1, bytes)), `event id ${[...bytes]}`);
      assertRefused(raw(string(19, bytes)), `instance ${[...bytes]}`);
      assertRefused(raw(caller(string(6, bytes))), `tag ${[...bytes]}`);
      assertRefused(raw(caller(entry(bytes, ok))), `metadata key ${[...bytes]}`);
      assertRefused(raw(caller(entry(ok, bytes))), `metadata value ${[...bytes]}`);
    }
    // Valid multi-byte text, a byte-order mark first, is stored as it is.
    const text = new TextEncoder().encode("\uFEFFnaïve 😀 '\\");
    assertSame(raw(string(1, text), caller(string(6, text), entry(text, text), entry(ok, text))), "valid UTF-8");
  });

  it("keeps the last of a repeated field, merges a nested message given twice, and skips unknown fields", () => {
    const caller = (key: string, tag: string) => (w: BinaryWriter) =>
      w
        .tag(6, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .string(key)
        .tag(6, WireType.LengthDelimited)
        .string(tag)
        .tag(7, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .string("k")
        .tag(2, WireType.LengthDelimited)
        .string(key)
        .tag(9, WireType.Varint)
        .uint32(5)
        .join()
        .tag(99, WireType.Bit64)
        .fixed64(7n)
        .join();
    const event = raw(
      (w) => w.tag(1, WireType.LengthDelimited).string("first"),
      (w) => w.tag(3, WireType.Varint).uint32(4),
      caller("key-a", "t1"),
      (w) => w.tag(1, WireType.LengthDelimited).string("second"),
      (w) => w.tag(3, WireType.Varint).uint32(7),
      (w) => w.tag(50, WireType.Varint).uint64(1n << 60n),
      (w) => w.tag(51, WireType.Bit32).fixed32(1),
      (w) => w.tag(52, WireType.LengthDelimited).string("unknown"),
      (w) => w.tag(53, WireType.StartGroup).tag(1, WireType.Varint).uint32(1).tag(53, WireType.EndGroup),
      caller("key-b", "t2"),
      (w) => w.tag(9, WireType.Varint).uint64(18_446_744_073_709_551_615n),
    );
    assertSame(event, "repeated, merged and unknown fields");
    const line = fast(event).split("\t");
    assert.equal(line[0], "second");
    assert.equal(line[2], "7");
    assert.equal(line[7], "key-b", "the later key id wins");
    assert.equal(line[12], "['t1','t2']", "tags of both occurrences");
    assert.equal(line[14], "['key-b']", "the map entry of the later occurrence");
  });

  it("sorts metadata as toRow does, many entries and non-ASCII keys included", () => {
    const keys = [
      "b",
      "a",
      "ab",
      "",
      "B",
      "é",
      "\uFFFF",
      "😀",
      "z'",
      "a\\",
      ...Array.from({ length: 30 }, (_, i) => `k${i}`),
    ];
    for (const count of [2, 3, 16, 17, keys.length]) {
      const metadata = Object.fromEntries(keys.slice(0, count).map((k, i) => [k, `v${i}`]));
      assertSame(
        toBinary(metering.UsageEventSchema, makeEvent(3, { caller: create(metering.CallerSchema, { metadata }) })),
        `${count} entries`,
      );
    }
    const duplicate = (value: string) => (w: BinaryWriter) =>
      w
        .tag(6, WireType.LengthDelimited)
        .fork()
        .tag(7, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .string("same")
        .tag(2, WireType.LengthDelimited)
        .string(value)
        .join()
        .tag(7, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .string("a")
        .join()
        .join();
    const event = raw(duplicate("old"), duplicate("new"));
    assertSame(event, "a repeated map key");
    assert.equal(fast(event).split("\t")[14], "['','new']");
  });

  it("refuses broken bytes without writing anything, and goes on with the next event", () => {
    const good = toBinary(metering.UsageEventSchema, makeEvent(5));
    const broken: [string, Uint8Array][] = [
      ["truncated", good.subarray(0, good.length - 3)],
      ["wrong wire type", raw((w) => w.tag(1, WireType.Varint).uint32(3))],
      ["string as varint", raw((w) => w.tag(4, WireType.LengthDelimited).string("x"))],
      ["overlong nested", raw((w) => w.tag(6, WireType.LengthDelimited).uint32(50).raw(new Uint8Array(3)))],
      [
        "nested field past its message",
        raw((w) =>
          w
            .tag(6, WireType.LengthDelimited)
            .uint32(2)
            .tag(1, WireType.LengthDelimited)
            .uint32(5)
            .raw(new Uint8Array(5)),
        ),
      ],
      ["field number 0", new Uint8Array([0x02, 0x00])],
      ["end group alone", raw((w) => w.tag(60, WireType.EndGroup))],
      ["wire type 7", new Uint8Array([0x0f])],
    ];
    const writer = new EventTsvWriter(16);
    writer.append(good, () => "x");
    const before = writer.body().toString();
    for (const [what, bytes] of broken) {
      assert.throws(() => writer.append(bytes, () => "x"), Error, what);
      assert.equal(writer.body().toString(), before, what);
    }
    writer.append(good, () => "x");
    assert.equal(writer.body().toString(), before + before);
  });

  it("drops the last line on request, and grows past its first buffer", () => {
    const writer = new EventTsvWriter(16);
    let expected = "";
    for (let i = 0; i < 500; i++) {
      const bytes = toBinary(metering.UsageEventSchema, makeEvent(i));
      writer.append(bytes, () => "x");
      if (i % 3 === 0) writer.dropLast();
      else expected += reference(bytes);
    }
    assert.equal(writer.body().toString(), expected);
  });

  it("fails to load when the contract has a field it does not place, or places one with another type", () => {
    const readers = {
      requested_model: { kind: "string", slot: 0 },
      model_group: { kind: "string", slot: 0 },
      deployment_id: { kind: "string", slot: 0 },
      provider: { kind: "string", slot: 0 },
      upstream_model: { kind: "string", slot: 0 },
      fallback_depth: { kind: "uint32", slot: 0 },
    } as const;
    assert.doesNotThrow(() => readerTable(metering.RouteSchema, readers));
    const { upstream_model: _, ...missing } = readers;
    assert.throws(() => readerTable(metering.RouteSchema, missing), /Route.upstream_model has no column reader/);
    assert.throws(
      () => readerTable(metering.RouteSchema, { ...readers, fallback_depth: { kind: "string", slot: 0 } }),
      /fallback_depth is scalar 13, read as string/,
    );
    assert.throws(
      () => readerTable(metering.RouteSchema, { ...readers, region: { kind: "string", slot: 0 } }),
      /has no region/,
    );
  });
});
