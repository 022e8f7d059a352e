// Losing and restarting provider workers under load: two worker processes behind one router. A worker killed with
// SIGKILL ends only the streams it was serving (with an error event, promptly), and a rolling restart of both workers
// under 200 requests a second fails no request.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { MASTER_KEY } from "./setup.js";

const CONFIG = `
model_list:
  - model_name: quick
    litellm_params: { model: mock/quick, mock_chunks: 2 }
  - model_name: long
    litellm_params: { model: mock/long, mock_chunks: 30, mock_latency_ms: 100 }
router_settings:
  num_retries: 2
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;

let mesh: Mesh;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-workers-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, CONFIG);
  mesh = await startMesh({
    configPath,
    workers: 2,
    // A restart under the test's load on a busy CI machine may take a while to become ready.
    readyTimeoutMs: 60_000,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, SWITCHYARD_DRAIN_DELAY_MS: "200" },
  });
});
after(() => mesh?.stop());

function post(body: object): Promise<Response> {
  return fetch(`${mesh.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body }),
  });
}

/** Reads a stream to its end; resolves with how it ended and when its first chunk came. */
async function readStream(res: Response): Promise<{ done: boolean; error?: string; firstAt: number; endAt: number }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  let firstAt = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (firstAt === 0) firstAt = Date.now();
    text += decoder.decode(value, { stream: true });
  }
  const events = text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6));
  const last = events[events.length - 1] ?? "";
  const error = last.startsWith("{") ? (JSON.parse(last) as { error?: { message: string } }).error?.message : undefined;
  return { done: last === "[DONE]", ...(error ? { error } : {}), firstAt, endAt: Date.now() };
}

describe("provider workers going away", () => {
  it("kill -9 of a worker ends only its streams, with an error within 5 s, and new requests keep succeeding", async () => {
    const streams = await Promise.all(Array.from({ length: 4 }, () => post({ model: "long", stream: true })));
    for (const s of streams) assert.equal(s.status, 200);
    const reading = streams.map((s) => readStream(s));
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await mesh.kill("provider-worker", 0, "SIGKILL");
    const results = await Promise.all(reading);
    const cut = results.filter((r) => !r.done);
    const finished = results.filter((r) => r.done);
    assert.ok(cut.length >= 1 && finished.length >= 1, JSON.stringify(results));
    for (const r of cut) {
      assert.ok(r.error, "a cut stream ends with an error event, not silence");
      assert.ok(r.endAt - killedAt < 5_000, `ended ${r.endAt - killedAt} ms after the kill`);
    }
    const after = await Promise.all(Array.from({ length: 10 }, () => post({ model: "quick" })));
    assert.deepEqual(
      after.map((r) => r.status),
      Array(10).fill(200),
    );
    await mesh.restart("provider-worker", 0);
  });

  it("a rolling restart of both workers under 200 requests a second fails no request", async () => {
    // Open loop: a request every 5 ms whatever the answers do, as traffic from many clients arrives. The streamed
    // half keeps streams in flight on the worker that is restarting.
    const RATE = 200;
    const sent: Array<Promise<string | undefined>> = [];
    const one = async (stream: boolean): Promise<string | undefined> => {
      const res = await post({ model: "quick", stream });
      const text = await res.text();
      if (res.status !== 200) return `${res.status} ${text.slice(0, 300)}`;
      if (stream && !text.endsWith("data: [DONE]\n\n")) return `stream cut: ${text.slice(-300)}`;
      return undefined;
    };
    // Each tick sends whatever the schedule says is due, so a late timer catches up instead of lowering the rate.
    const started = Date.now();
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) * RATE) / 1000);
      while (sent.length < due) sent.push(one(sent.length % 2 === 1).catch((err: Error) => err.message));
    }, 1000 / RATE);
    await new Promise((r) => setTimeout(r, 500));
    await mesh.restart("provider-worker", 0);
    await new Promise((r) => setTimeout(r, 500));
    await mesh.restart("provider-worker", 1);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(timer);
    const elapsedS = (Date.now() - started) / 1000;
    const failures = (await Promise.all(sent)).filter((f) => f !== undefined);
    assert.ok(sent.length >= RATE * (elapsedS - 0.1), `${sent.length} requests in ${elapsedS} s`);
    assert.deepEqual(failures, [], `${failures.length} of ${sent.length} failed`);
  });
});
