// `node test/dist/bench/policy.js` (after `npm run build`): what the policy decision adds to a request. One mesh
// with metering (so keys live in NATS KV), the mock upstream, and three credentials loaded in turn at c=1,
// non-streamed, in interleaved rounds so drift on the machine hits all three alike:
//
//   master     the master key: the ingress's cached decision, no limits
//   key        a virtual key without limits: the same cached decision path
//   limited    a virtual key with rpm, tpm, parallel and budget limits: every request is admitted by the policy's
//              shared ledger (one Connect call, one NATS KV compare-and-set) and settled in the background
//
// Settings: BENCH_SECONDS (per round and credential, default 5), BENCH_ROUNDS (default 3), BENCH_WARMUP_SECONDS (2),
// BENCH_PROFILE_DIR (CPU profiles of every service, see profile-summary.ts).

import { cpus } from "node:os";
import { type LoadResult, runLoad, type Summary, summarize } from "./load.js";
import { cpuMicros } from "./procs.js";
import { MASTER_KEY, startUpstream, switchyard } from "./targets.js";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`expected ${name} > 0, got ${process.env[name]}`);
  return value;
};
const seconds = num("BENCH_SECONDS", 5);
const rounds = num("BENCH_ROUNDS", 3);
const warmupSeconds = num("BENCH_WARMUP_SECONDS", 2);

async function generateKey(origin: string, limits: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${origin}/key/generate`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(limits),
  });
  const json = (await res.json()) as { key?: string };
  if (res.status !== 200 || !json.key) throw new Error(`key/generate answered ${res.status}: ${JSON.stringify(json)}`);
  return json.key;
}

const upstream = await startUpstream(1);
const profileDir = process.env.BENCH_PROFILE_DIR;
const gateway = await switchyard(upstream, [0], { workers: 1, metering: true, ...(profileDir ? { profileDir } : {}) });
try {
  const base = gateway.target(0);
  const credentials = {
    master: MASTER_KEY,
    key: await generateKey(base.origin, {}),
    limited: await generateKey(base.origin, {
      rpm_limit: 4_000_000_000,
      tpm_limit: 1e15,
      max_parallel_requests: 1_000,
      max_budget: 1_000_000,
    }),
  };
  const names = Object.keys(credentials) as (keyof typeof credentials)[];
  const totals = new Map<string, number[]>(names.map((n) => [n, []]));
  const cpu = new Map(names.map((n) => [n, { ingress: 0, policy: 0, requests: 0 }]));
  const policyPid = gateway.pids.get("policy") as number;
  const ingressPid = gateway.pids.get("ingress") as number;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const target = { ...base, headers: { authorization: `Bearer ${credentials[name]}` } };
      let before = [0, 0];
      const result: LoadResult = await runLoad(target, {
        stream: false,
        concurrency: 1,
        durationMs: seconds * 1000,
        warmupMs: warmupSeconds * 1000,
        onMeasureStart: () => {
          before = [cpuMicros(ingressPid), cpuMicros(policyPid)];
        },
      });
      if (result.errors > 0) throw new Error(`${name}: ${result.errors} errors, first: ${result.firstError}`);
      const entry = cpu.get(name) as { ingress: number; policy: number; requests: number };
      entry.ingress += cpuMicros(ingressPid) - (before[0] as number);
      entry.policy += cpuMicros(policyPid) - (before[1] as number);
      entry.requests += result.requests;
      // Keep every latency: percentiles are taken over all rounds together.
      (totals.get(name) as number[]).push(...result.latencies);
    }
  }
  const summaries = new Map(names.map((n) => [n, summarize(totals.get(n) as number[])] as const));
  const master = summaries.get("master") as Summary;
  const fmt = (ms: number) => ms.toFixed(3);
  const lines = [
    `Policy decision cost: c=1, non-streamed, ${rounds} rounds × ${seconds} s per credential, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`,
    "",
    "| credential | requests | p50 ms | p99 ms | p50 vs master | p99 vs master | CPU µs/request: ingress | policy |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...names.map((n) => {
      const s = summaries.get(n) as Summary;
      const c = cpu.get(n) as { ingress: number; policy: number; requests: number };
      const per = (micros: number) => Math.round(micros / Math.max(1, c.requests));
      return `| ${n} | ${s.count} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.p50 - master.p50)} | ${fmt(s.p99 - master.p99)} | ${per(c.ingress)} | ${per(c.policy)} |`;
    }),
  ];
  console.log(lines.join("\n"));
} finally {
  await gateway.stop();
  await upstream.process.stop();
}
