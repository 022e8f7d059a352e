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
import { cpuMicros, freePort } from "@switchyard/launcher";
import { type LoadResult, runLoad, type Summary, summarize } from "./load.js";
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
// The ingress's metrics (its admission-time histogram) on a port of their own, as in production.
const metricsPort = await freePort("127.0.0.1");
const gateway = await switchyard(upstream, [0], {
  workers: 1,
  metering: true,
  ...(profileDir ? { profileDir } : {}),
  serviceEnv: { ingress: { SWITCHYARD_METRICS_ADDR: `127.0.0.1:${metricsPort}` } },
});
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
  console.log(await admissionTable(metricsPort));
} finally {
  await gateway.stop();
  await upstream.process.stop();
}

/**
 * The limited key's admission time in the ingress, from its `switchyard_ingress_admission_seconds` histogram: how
 * many requests were admitted each way and the bucket that holds the median (an upper bound on it).
 */
async function admissionTable(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = new Map<string, [number, number][]>();
  for (const line of text.split("\n")) {
    const m = /^switchyard_ingress_admission_seconds_bucket\{([^}]*)\} (\d+)/.exec(line);
    const how = m && /how="([a-z]+)"/.exec(m[1] as string)?.[1];
    const le = m && /le="([^"]+)"/.exec(m[1] as string)?.[1];
    if (!m || !how || !le) continue;
    const list = buckets.get(how) ?? [];
    list.push([le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), Number(m[2])]);
    buckets.set(how, list);
  }
  const rows = [...buckets].map(([how, list]) => {
    const total = list[list.length - 1]?.[1] ?? 0;
    const median = list.find(([, count]) => count >= total / 2)?.[0] ?? Number.NaN;
    return `| ${how} | ${total} | <= ${(median * 1000).toFixed(3)} ms |`;
  });
  return [
    "",
    "Admission time in the ingress (limited key, all rounds):",
    "",
    "| how | requests | p50 |",
    "| --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}
