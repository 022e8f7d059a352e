import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "@switchyard/runtime";
import { joinHostPort, watchDns } from "./dns-workers.js";

const log = createLogger("dns-workers-spec", "silent");

function dnsError(code: string): Error {
  return Object.assign(new Error(`lookup failed: ${code}`), { code });
}

describe("DNS worker discovery", () => {
  it("publishes every address of the name, re-resolving each interval, and only changes", async () => {
    const answers: Array<string[] | Error> = [
      ["10.0.0.2", "10.0.0.1"],
      ["10.0.0.1", "10.0.0.2"],
      ["10.0.0.1", "10.0.0.2", "fd00::3"],
      dnsError("EAI_AGAIN"),
      ["10.0.0.2"],
      dnsError("ENOTFOUND"),
    ];
    const published: string[][] = [];
    let calls = 0;
    const w = watchDns({
      host: "provider-worker-headless",
      port: 8084,
      intervalMs: 10,
      log,
      onAddresses: (a) => published.push(a),
      resolve: async (host) => {
        assert.equal(host, "provider-worker-headless");
        const answer = answers[Math.min(calls++, answers.length - 1)]!;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    while (calls < answers.length + 1) await sleep(5);
    w.stop();
    const stoppedAt = calls;
    await sleep(50);
    assert.equal(calls, stoppedAt, "no lookup after stop");
    assert.deepEqual(published, [
      ["10.0.0.1:8084", "10.0.0.2:8084"],
      ["10.0.0.1:8084", "10.0.0.2:8084", "[fd00::3]:8084"],
      // EAI_AGAIN (the DNS server did not answer): the last set stays.
      ["10.0.0.2:8084"],
      // ENOTFOUND (no pod is ready behind a headless Service): no worker.
      [],
    ]);
  });

  it("resolves with the system resolver by default", async () => {
    let published: string[] | undefined;
    const w = watchDns({ host: "localhost", port: 9, intervalMs: 1000, log, onAddresses: (a) => (published = a) });
    while (!published) await sleep(5);
    w.stop();
    assert.ok(
      published.some((a) => a === "127.0.0.1:9" || a === "[::1]:9"),
      `localhost resolves to loopback: ${published}`,
    );
  });

  it("brackets IPv6 addresses only", () => {
    assert.equal(joinHostPort("10.1.2.3", 80), "10.1.2.3:80");
    assert.equal(joinHostPort("fd00::1", 80), "[fd00::1]:80");
    assert.equal(joinHostPort("worker-0.example", 80), "worker-0.example:80");
  });
});
