import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { freePort, type NatsServer, startNats } from "@switchyard/launcher";
import { Registry } from "@switchyard/runtime";
import type { UsagePublisherOptions } from "./options.js";
import { UsagePublisher } from "./publisher.js";
import { encodeRecord } from "./record.js";
import { USAGE_CONTENT_TYPE } from "./stream.js";
import {
  deleteUsageStream,
  type RecordingLog,
  readUsageStream,
  recordingLog,
  type StoredUsage,
  usageEvent,
  waitFor,
} from "./testkit.js";

// Every spec runs against a real nats-server with JetStream. Timings are shortened so outages and retries take
// tenths of seconds; the behaviour under test is the same as with the defaults.

const FAST = {
  reconnectWaitMs: 100,
  connectTimeoutMs: 500,
  ackTimeoutMs: 1_000,
  retryMinMs: 50,
  retryMaxMs: 400,
  reportIntervalMs: 200,
  pendingWarnMs: 100,
  spoolSegmentAgeMs: 200,
} satisfies Partial<UsagePublisherOptions>;

let nats: NatsServer;
let deadUrl: string;
let dirs: string[] = [];
const open: UsagePublisher[] = [];

before(async () => {
  nats = await startNats();
  deadUrl = `nats://127.0.0.1:${await freePort()}`;
});
after(async () => {
  await nats?.stop();
});
beforeEach(async () => {
  await deleteUsageStream(nats.url);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close(0)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-spool-"));
  dirs.push(dir);
  return dir;
}

function publisher(servers: string, options: Partial<UsagePublisherOptions> = {}) {
  const log = recordingLog();
  const registry = new Registry();
  const p = new UsagePublisher({ servers, log, registry, ...FAST, ...options }).start();
  open.push(p);
  return { p, log, registry };
}

function ids(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);
}

/** Asserts the stream holds exactly `expected`, once each. */
function assertExactlyOnce(stored: StoredUsage[], expected: string[]): void {
  const seen = stored.map((s) => s.event.eventId);
  assert.equal(new Set(seen).size, seen.length, "expected no event id twice in the stream");
  assert.deepEqual([...seen].sort(), [...expected].sort());
}

async function metric(registry: Registry, name: string): Promise<number> {
  const line = (await registry.metrics()).split("\n").find((l) => l.startsWith(name));
  return Number(line?.split(" ").pop());
}

const drained = (p: UsagePublisher) => () => p.stats().pending === 0;
const errors = (log: RecordingLog) => log.lines.filter((line) => line.level === "error");

describe("UsagePublisher against nats-server", () => {
  it("publishes each event once, its id as Nats-Msg-Id, with the protobuf content type", async () => {
    const { p, registry } = publisher(nats.url);
    const sent = ids("plain", 2_000);
    const started = Date.now();
    for (const id of sent) p.publish(usageEvent(id));
    await waitFor("every event acknowledged", drained(p));
    const elapsed = Date.now() - started;

    const stored = await readUsageStream(nats.url);
    assertExactlyOnce(stored, sent);
    for (const s of stored) {
      assert.equal(s.msgId, s.event.eventId);
      assert.equal(s.contentType, USAGE_CONTENT_TYPE);
      assert.equal(s.subject, "switchyard.usage.v1.chat_completions");
    }
    assert.equal(stored[0]?.event.costNanos, 5_000n);
    assert.equal(p.stats().published, 2_000);
    assert.equal(await metric(registry, "switchyard_usage_events_published_total"), 2_000);
    assert.equal(await metric(registry, "switchyard_usage_events_pending"), 0);
    assert.ok(elapsed < 5_000, `expected 2,000 events within 5 s, took ${elapsed} ms`);
  });

  it("lets JetStream drop a second publish of the same event id", async () => {
    const { p } = publisher(nats.url);
    p.publish(usageEvent("twice"));
    p.publish(usageEvent("twice"));
    await waitFor("both acknowledged", () => p.stats().published === 2);
    assertExactlyOnce(await readUsageStream(nats.url), ["twice"]);
  });

  it("holds events while NATS is down at start, says so, and delivers each once when it comes up", async () => {
    const late = await startNats();
    try {
      await late.kill("SIGTERM");
      const { p, log, registry } = publisher(late.url);
      const sent = ids("late", 500);
      for (const id of sent) p.publish(usageEvent(id));
      await waitFor("a pending report", () => log.find("usage events pending").length > 0);
      assert.equal(p.stats().pending, 500);
      assert.equal(p.stats().connected, false);
      assert.equal(await metric(registry, "switchyard_usage_events_pending"), 500);
      const report = log.find("usage events pending")[0];
      assert.equal(report?.level, "warn");
      assert.equal(report?.fields.pending, 500);
      assert.match(String(report?.fields.since), /^\d{4}-\d\d-\d\dT/);
      assert.equal(log.find("NATS unreachable").length, 1);

      await late.restart();
      await waitFor("every event acknowledged", drained(p));
      assertExactlyOnce(await readUsageStream(late.url), sent);
      assert.equal(p.stats().dropped, 0);
      await waitFor("the caught-up line", () => log.find("caught up").length > 0);
    } finally {
      await late.stop();
    }
  });

  it("loses nothing and duplicates nothing when NATS restarts under load", async () => {
    const { p, log } = publisher(nats.url, { maxInFlight: 64 });
    const first = ids("load", 3_000);
    const second = ids("load", 3_000, 3_000);
    await waitFor("the connection", () => p.stats().connected);
    for (const id of first) p.publish(usageEvent(id));
    await waitFor("publishing under way", () => p.stats().published >= 500);
    const restart = nats.restart();
    for (const [i, id] of second.entries()) {
      p.publish(usageEvent(id));
      if (i % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await restart;
    await waitFor("every event acknowledged", drained(p), 20_000);
    assert.ok(log.find("NATS disconnected").length > 0, "expected the restart to cut the connection");
    assertExactlyOnce(await readUsageStream(nats.url), [...first, ...second]);
    assert.equal(p.stats().dropped, 0);
  });

  it("ensures the stream again when it disappears (a NATS that lost its store)", async () => {
    const { p } = publisher(nats.url);
    p.publish(usageEvent("before"));
    await waitFor("the first event", drained(p));
    await deleteUsageStream(nats.url);
    p.publish(usageEvent("after"));
    await waitFor("the second event", drained(p));
    assert.ok(p.stats().failures > 0, "expected the publish into the missing stream to fail first");
    assertExactlyOnce(await readUsageStream(nats.url), ["after"]);
  });

  it("drops beyond the memory bound with a counter and an error line, and reports the loss at close", async () => {
    const { p, log, registry } = publisher(deadUrl, { maxPendingEvents: 5 });
    for (const id of ids("full", 8)) p.publish(usageEvent(id));
    assert.deepEqual([p.stats().pending, p.stats().dropped], [5, 3]);
    assert.equal(await metric(registry, 'switchyard_usage_events_dropped_total{reason="memory_full"}'), 3);
    const first = log.find("usage event dropped")[0];
    assert.equal(first?.level, "error");
    assert.equal(first?.fields.eventId, "full-5");
    assert.equal(first?.fields.reason, "memory_full");

    const result = await p.close(100);
    assert.deepEqual(result, { remaining: 5, spooled: false });
    assert.equal(log.find("usage events dropped")[0]?.fields.dropped, 2, "expected the rest in one summary line");
    assert.equal(log.find("usage events lost")[0]?.level, "error");
    assert.equal(await metric(registry, 'switchyard_usage_events_dropped_total{reason="shutdown"}'), 5);
  });

  it("drops beyond the spool bound, counted", async () => {
    const { p, registry } = publisher(deadUrl, { spoolDir: spoolDir(), maxSpoolBytes: 1_000, maxPendingEvents: 1 });
    for (const id of ids("disk", 20)) p.publish(usageEvent(id));
    const { pending, dropped, spoolBytes } = p.stats();
    assert.equal(pending + dropped, 20);
    assert.ok(dropped > 0 && spoolBytes <= 1_000, `expected drops at 1,000 bytes, got ${dropped} at ${spoolBytes}`);
    assert.equal(await metric(registry, 'switchyard_usage_events_dropped_total{reason="spool_full"}'), dropped);
  });
});

describe("UsagePublisher with a spool", () => {
  it("keeps events across a close while NATS is down, and the next publisher sends them", async () => {
    const dir = spoolDir();
    const { p } = publisher(deadUrl, { spoolDir: dir, maxPendingEvents: 10 });
    const sent = ids("kept", 100);
    for (const id of sent) p.publish(usageEvent(id));
    assert.deepEqual(await p.close(50), { remaining: 100, spooled: true });

    const next = publisher(nats.url, { spoolDir: dir, maxPendingEvents: 10 });
    assert.equal(next.p.stats().pending, 100);
    await waitFor("the spooled events acknowledged", drained(next.p));
    assertExactlyOnce(await readUsageStream(nats.url), sent);
    await waitFor("the spool emptied", () => next.p.stats().spoolBytes === 0);
    assert.deepEqual(readdirSync(dir), []);
    assert.deepEqual(errors(next.log), []);
  });

  it("cuts off a torn last record and sends the whole ones", async () => {
    const dir = spoolDir();
    const { p } = publisher(deadUrl, { spoolDir: dir });
    const sent = ids("torn", 50);
    for (const id of sent) p.publish(usageEvent(id));
    await p.close(0);
    const [segment] = readdirSync(dir);
    assert.ok(segment);
    const record = encodeRecord({ id: "torn-x", subject: "s", payload: new Uint8Array(40), acceptedAt: 1 });
    appendFileSync(join(dir, segment), record.subarray(0, 30));

    const next = publisher(nats.url, { spoolDir: dir });
    assert.equal(next.log.find("torn record").length, 1);
    await waitFor("the whole records acknowledged", drained(next.p));
    assertExactlyOnce(await readUsageStream(nats.url), sent);
  });

  it("loses nothing when the process is killed (SIGKILL) with events unsent", async () => {
    const dir = spoolDir();
    const child = spawnPublisher(dir, nats.url);
    try {
      child.send("publish crash 0 200");
      assert.equal(await child.next(), "acknowledged 200");
      await nats.kill("SIGTERM");
      child.send("publish crash 200 300");
      assert.equal(await child.next(), "accepted 300");
      child.kill();
      await child.exited;
    } finally {
      child.kill();
      await nats.restart();
    }
    const { p, log } = publisher(nats.url, { spoolDir: dir });
    assert.ok(p.stats().pending >= 300, `expected the 300 unsent events replayed, got ${p.stats().pending}`);
    await waitFor("the replay acknowledged", drained(p));
    // The acknowledged ones still in the newest segment were sent again: the duplicate window dropped them.
    assertExactlyOnce(await readUsageStream(nats.url), ids("crash", 500));
    assert.deepEqual(errors(log), []);
  });
});

/** A publisher in a child process, driven by lines on stdin, killed with SIGKILL. */
function spawnPublisher(dir: string, url: string) {
  const script = `
    import { createInterface } from "node:readline";
    import { UsagePublisher } from ${JSON.stringify(new URL("./publisher.js", import.meta.url).href)};
    import { usageEvent } from ${JSON.stringify(new URL("./testkit.js", import.meta.url).href)};
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    const options = { servers: ${JSON.stringify(url)}, spoolDir: ${JSON.stringify(dir)}, log, reconnectWaitMs: 100 };
    const p = new UsagePublisher({ ...options, ackTimeoutMs: 500, spoolSegmentAgeMs: 60_000 }).start();
    for await (const line of createInterface({ input: process.stdin })) {
      const [, prefix, from, count] = line.split(" ");
      for (let i = 0; i < Number(count); i++) p.publish(usageEvent(prefix + "-" + (Number(from) + i)));
      if (Number(from) === 0) {
        while (p.stats().published < Number(count)) await new Promise((r) => setTimeout(r, 10));
        console.log("acknowledged " + count);
      } else {
        console.log("accepted " + count);
      }
    }`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  return {
    send: (line: string) => proc.stdin.write(`${line}\n`),
    next: async () => (await lines.next()).value as string | undefined,
    kill: () => proc.kill("SIGKILL"),
    exited: new Promise((resolve) => proc.once("exit", resolve)),
  };
}
