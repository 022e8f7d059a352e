import assert from "node:assert/strict";
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { encodeRecord, readRecord, type SpoolRecord } from "./record.js";
import { Spool, type SpoolOptions } from "./spool.js";
import { recordingLog } from "./testkit.js";

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function options(overrides: Partial<SpoolOptions> = {}): SpoolOptions {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-spool-spec-"));
  dirs.push(dir);
  return { dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, segmentAgeMs: 60_000, ...overrides };
}

function record(id: string, payloadBytes = 50): SpoolRecord {
  return { id, subject: "switchyard.usage.v1.chat", payload: new Uint8Array(payloadBytes).fill(7), acceptedAt: 1_000 };
}

const segments = (dir: string) => readdirSync(dir).sort();

describe("spool records", () => {
  it("round-trip, and tell a torn or damaged record from a whole one", () => {
    const buf = encodeRecord({ ...record("évent-1"), acceptedAt: 1_234.5 });
    const whole = readRecord(buf, 0);
    assert.equal(whole.kind, "record");
    if (whole.kind === "record") {
      assert.deepEqual(whole.record, { ...record("évent-1"), acceptedAt: 1_234.5 });
      assert.equal(whole.size, buf.length);
    }
    assert.equal(readRecord(buf, buf.length).kind, "end");
    assert.deepEqual(readRecord(buf.subarray(0, 20), 0), { kind: "incomplete", needed: buf.length });
    const damaged = Buffer.from(buf);
    damaged[30] = (damaged[30] ?? 0) ^ 0xff;
    assert.deepEqual(readRecord(damaged, 0), { kind: "corrupt", reason: "checksum mismatch" });
  });
});

describe("Spool", () => {
  it("hands back unread records after a reopen, then deletes sealed segments once all is settled", () => {
    const opts = options({ segmentBytes: 1_000 });
    const log = recordingLog();
    const first = Spool.open(opts, log);
    for (let i = 0; i < 30; i++) first.append(record(`e-${i}`), false);
    first.close();
    assert.ok(segments(opts.dir).length > 1, "expected the 1,000-byte segments to roll over");

    const second = Spool.open(opts, log);
    assert.equal(second.unread, 30);
    const firstSlice = second.read(10, Number.MAX_SAFE_INTEGER);
    const rest = second.read(100, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(
      [...firstSlice, ...rest].map((r) => r.id),
      Array.from({ length: 30 }, (_, i) => `e-${i}`),
    );
    assert.equal(second.unread, 0);
    for (const r of [...firstSlice, ...rest]) second.settle(r.segment);
    assert.deepEqual(segments(opts.dir), []);
    assert.equal(second.bytes, 0);
    assert.deepEqual(log.lines, []);
  });

  it("keeps handed-out records in the open segment until it is sealed by age", () => {
    const opts = options({ segmentAgeMs: 1_000 });
    const spool = Spool.open(opts, recordingLog());
    const segment = spool.append(record("kept"), true);
    assert.ok(segment);
    spool.settle(segment);
    assert.equal(segments(opts.dir).length, 1, "expected the open segment to stay while young");
    spool.tidy(Date.now() + 1_000);
    assert.deepEqual(segments(opts.dir), []);
  });

  it("refuses appends beyond its byte bound", () => {
    const size = encodeRecord(record("a-0")).length;
    const spool = Spool.open(options({ maxBytes: size * 3 }), recordingLog());
    const results = ["a-0", "a-1", "a-2", "a-3"].map((id) => spool.append(record(id), false));
    assert.deepEqual(
      results.map((r) => r !== undefined),
      [true, true, true, false],
    );
    assert.equal(spool.bytes, size * 3);
  });

  it("reads records larger than its read chunk", () => {
    const opts = options();
    const spool = Spool.open(opts, recordingLog());
    spool.append(record("big-0", 100_000), false);
    spool.append(record("big-1", 200_000), false);
    const read = spool.read(10, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(
      read.map((r) => [r.id, r.payload.length]),
      [
        ["big-0", 100_000],
        ["big-1", 200_000],
      ],
    );
  });

  it("cuts a torn last record off at open, with a warning", () => {
    const opts = options();
    const spool = Spool.open(opts, recordingLog());
    for (const id of ["t-0", "t-1", "t-2"]) spool.append(record(id), false);
    spool.close();
    const [name] = segments(opts.dir);
    assert.ok(name);
    const path = join(opts.dir, name);
    const whole = statSync(path).size;
    appendFileSync(path, encodeRecord(record("t-3")).subarray(0, 12));

    const log = recordingLog();
    const reopened = Spool.open(opts, log);
    assert.deepEqual(
      reopened.read(10, Number.MAX_SAFE_INTEGER).map((r) => r.id),
      ["t-0", "t-1", "t-2"],
    );
    assert.equal(statSync(path).size, whole);
    assert.equal(log.find("torn record")[0]?.level, "warn");
  });

  it("cuts a segment off at a damaged record, with an error, and deletes one left empty", () => {
    const opts = options();
    const spool = Spool.open(opts, recordingLog());
    for (const id of ["d-0", "d-1", "d-2"]) spool.append(record(id), false);
    spool.close();
    const [name] = segments(opts.dir);
    assert.ok(name);
    const path = join(opts.dir, name);
    const data = readFileSync(path);
    const size = encodeRecord(record("d-0")).length;
    data[size + 20] = (data[size + 20] ?? 0) ^ 0xff;
    writeFileSync(path, data);
    writeFileSync(join(opts.dir, "000000000099.usage"), Buffer.from([1, 2, 3]));

    const log = recordingLog();
    const reopened = Spool.open(opts, log);
    assert.deepEqual(
      reopened.read(10, Number.MAX_SAFE_INTEGER).map((r) => r.id),
      ["d-0"],
    );
    assert.equal(log.find("corrupted")[0]?.fields.reason, "checksum mismatch");
    assert.deepEqual(segments(opts.dir), [name]);
    // New segments are numbered after every file found, the removed one included.
    reopened.append(record("d-new"), false);
    assert.deepEqual(segments(opts.dir), [name, "000000000100.usage"]);
  });

  it("gives up, with an error, the records of a segment truncated under it", () => {
    const opts = options();
    const log = recordingLog();
    const spool = Spool.open(opts, log);
    for (const id of ["s-0", "s-1", "s-2"]) spool.append(record(id), false);
    const [name] = segments(opts.dir);
    assert.ok(name);
    truncateSync(join(opts.dir, name), encodeRecord(record("s-0")).length + 10);
    assert.deepEqual(
      spool.read(10, Number.MAX_SAFE_INTEGER).map((r) => r.id),
      ["s-0"],
    );
    assert.equal(spool.unread, 0);
    assert.equal(log.find("events lost")[0]?.fields.lost, 2);
  });
});
