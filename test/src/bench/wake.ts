// `node test/dist/bench/wake.js`: what one request costs a process that sleeps between requests, on this machine.
// It calls the mock upstream (upstream.ts, the same work for every request) one request at a time, back to back and
// then with a pause between requests as long as a request through the mesh takes, and prints the upstream's CPU time
// per request for each. The difference is what waking a cold process costs (caches, TLB, branch predictors, an idle
// vCPU): every process a request crosses at concurrency 1 pays it, whatever its code does. CPU comes from `perf stat`
// task-clock (exact) when perf is installed, else from /proc (sampled at the kernel's tick). BENCH_SECONDS (default 4)
// is each run's length; the pauses are BENCH_WAKE_GAPS_MS (default "0,2,5").

import { spawn, spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { cpuMicros } from "@switchyard/launcher";
import { Agent, request } from "undici";
import { startUpstream, UPSTREAM_KEY } from "./targets.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const gaps = (process.env.BENCH_WAKE_GAPS_MS ?? "0,2,5").split(",").map(Number);
const hasPerf = spawnSync("perf", ["--version"]).status === 0;

/** The CPU time `pid` spends while `work` runs, in microseconds. */
async function cpuDuring(pid: number, work: () => Promise<void>): Promise<number> {
  if (!hasPerf) {
    const before = cpuMicros(pid);
    await work();
    return cpuMicros(pid) - before;
  }
  const perf = spawn("perf", ["stat", "-x", ",", "-e", "task-clock", "-p", String(pid)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let out = "";
  perf.stderr.on("data", (part: Buffer) => {
    out += part.toString("utf8");
  });
  await sleep(200);
  await work();
  const closed = new Promise((resolve) => perf.once("close", resolve));
  perf.kill("SIGINT");
  await closed;
  // CSV: "<msec>,msec,task-clock,..."
  const msec = Number(
    out
      .split("\n")
      .find((line) => line.includes("task-clock"))
      ?.split(",")[0],
  );
  if (!Number.isFinite(msec)) throw new Error(`could not read perf stat's output: ${out}`);
  return msec * 1000;
}

const upstream = await startUpstream(0);
const agent = new Agent({ connections: 1 });
const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Hello" }] });
const one = async () => {
  const res = await request(`${upstream.origin}/v1/chat/completions`, {
    method: "POST",
    body,
    dispatcher: agent,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}`, "content-type": "application/json" },
  });
  await res.body.text();
};
try {
  for (let i = 0; i < 2_000; i++) await one();
  console.log(`CPU from ${hasPerf ? "perf stat task-clock" : "/proc (tick-sampled)"}; ${seconds} s per run\n`);
  console.log("| pause between requests | requests | upstream CPU per request |");
  console.log("|---:|---:|---:|");
  for (const gap of gaps) {
    let requests = 0;
    const micros = await cpuDuring(upstream.process.pid, async () => {
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        await one();
        requests++;
        if (gap > 0) await sleep(gap);
      }
    });
    console.log(`| ${gap} ms | ${requests} | ${Math.round(micros / requests)} µs |`);
  }
} finally {
  await agent.close();
  await upstream.process.stop();
}
