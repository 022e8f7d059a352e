// `node test/dist/bench/router-replicas.js` (after `npm run build`): what keeping routing state per router replica
// costs (docs/routing.md, "Several router replicas"). For 1, 2 and 3 router replicas, the mesh runs as many ingresses,
// ingress i asking router i, and the load goes round-robin over the ingresses, so each replica sees its share of the
// traffic. Three deployments of one model group are fake OpenAI upstreams in this process, which count the calls and
// the requests in flight that each one actually received.
//
//   least-busy      Poisson arrivals (open loop) against deployments of equal latency, at the rate that keeps
//                   BENCH_CONCURRENCY requests in flight on average; the in-flight requests of each deployment are
//                   sampled every 10 ms. One view of all in-flight requests keeps the spread (busiest minus idlest)
//                   near 0 or 1; every replica balances only its own. simple-shuffle with one router is the reference.
//   usage-based     open-loop bursts against deployments with an `rpm`, all within one minute: how many calls each
//                   deployment received against the limit. `hard`: rpm is the upstream limit; `divided`: rpm is the
//                   limit divided by the router replicas (the guidance), with an even and a 60 % : rest split.
//
// Settings: BENCH_REPLICAS (1,2,3), BENCH_SECONDS (8, measured per least-busy run), BENCH_CONCURRENCY (4,16),
// BENCH_LATENCY_MS (200, upstream latency of least-busy), BENCH_LIMIT (30, the upstream rpm limit of each
// deployment), BENCH_RATE (40, requests per second of the bursts), BENCH_JSON (also write the results there).

import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";

const env = process.env;
const numbers = (name: string, fallback: string): number[] =>
  (env[name] ?? fallback).split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isFinite(n) || n <= 0) throw new Error(`expected ${name} to list numbers > 0, got ${env[name]}`);
    return n;
  });
const settings = {
  replicas: numbers("BENCH_REPLICAS", "1,2,3"),
  seconds: numbers("BENCH_SECONDS", "8")[0] as number,
  concurrency: numbers("BENCH_CONCURRENCY", "4,16"),
  latencyMs: numbers("BENCH_LATENCY_MS", "200")[0] as number,
  limit: numbers("BENCH_LIMIT", "30")[0] as number,
  rate: numbers("BENCH_RATE", "40")[0] as number,
};
const MASTER_KEY = "sk-bench-router-replicas-0123456789";
const UPSTREAM_KEY = "sk-bench-upstream";
const DEPLOYMENTS = 3;
const WARMUP_MS = 1_000;

/** The usage-based scenarios: a model group each, so their one-minute windows do not mix. */
interface UsageScenario {
  readonly group: string;
  readonly title: string;
  /** The `rpm` configured per deployment, for `replicas` routers. */
  rpm(replicas: number): number;
  /** Requests sent, as a multiple of the three deployments' combined upstream limit. */
  readonly offered: number;
  /** Share of the requests sent to the first ingress (the rest go evenly to the others); even when undefined. */
  readonly firstShare?: number;
}

const USAGE: readonly UsageScenario[] = [
  { group: "hard-4x", title: "rpm = limit, offered 4x", rpm: () => settings.limit, offered: 4 },
  { group: "hard-1.5x", title: "rpm = limit, offered 1.5x", rpm: () => settings.limit, offered: 1.5 },
  { group: "divided-4x", title: "rpm = limit / routers, offered 4x", rpm: (r) => settings.limit / r, offered: 4 },
  {
    group: "divided-split",
    title: "rpm = limit / routers, offered 1x, 60 % to one router",
    rpm: (r) => settings.limit / r,
    offered: 1,
    firstShare: 0.6,
  },
];

function deploymentYaml(group: string, fake: FakeUpstream, i: number, rpm?: number): string {
  const limit = rpm === undefined ? "" : `, rpm: ${Math.floor(rpm)}`;
  return `  - model_name: ${group}
    litellm_params: { model: openai/${group}-${i}, api_base: "${fake.url}/v1", api_key: os.environ/BENCH_UPSTREAM_KEY${limit} }
    model_info: { id: ${group}-${i} }`;
}

async function meshWith(strategy: string, groups: string[], routers: number): Promise<Mesh> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-replicas-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `model_list:\n${groups.join("\n")}\nrouter_settings:\n  routing_strategy: ${strategy}\n  num_retries: 0\n` +
      "general_settings:\n  master_key: os.environ/SWITCHYARD_MASTER_KEY\n",
  );
  return startMesh({
    configPath,
    routers,
    ingresses: routers,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, BENCH_UPSTREAM_KEY: UPSTREAM_KEY, LOG_LEVEL: "warn" },
  });
}

async function post(origin: string, model: string): Promise<number> {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** One least-busy (or reference) run: in-flight spread over the deployments, from samples every 10 ms. */
interface BalanceResult {
  strategy: string;
  routers: number;
  /** Mean requests in flight the arrival rate aims at (Poisson arrivals at concurrency / latency per second). */
  concurrency: number;
  requests: number;
  errors: number;
  meanInFlight: number;
  meanSpread: number;
  p95Spread: number;
  maxSpread: number;
  /** Share of samples with the spread at 0 or 1, which is all a shared view would allow. */
  balancedShare: number;
  /** Mean of how many more requests the busiest deployment had in flight than an even share. */
  meanExcess: number;
}

/** Exponential inter-arrival time (ms) of a Poisson process with `perSecond` arrivals a second. */
function nextArrivalMs(perSecond: number): number {
  return (-Math.log(1 - Math.random()) * 1000) / perSecond;
}

async function balance(
  mesh: Mesh,
  fakes: FakeUpstream[],
  concurrency: number,
): Promise<Omit<BalanceResult, "strategy">> {
  const urls = mesh.restUrls;
  let measuring = false;
  let requests = 0;
  let errors = 0;
  const samples: number[][] = [];
  const sampler = setInterval(() => {
    if (measuring) samples.push(fakes.map((f) => f.inFlight));
  }, 10);
  // Open loop: arrivals do not wait for answers, as independent clients would not.
  const perSecond = concurrency / (settings.latencyMs / 1000);
  const started = Date.now();
  const end = started + WARMUP_MS + settings.seconds * 1000;
  const pending: Promise<void>[] = [];
  for (let turn = 0, at = started; at < end; turn++) {
    at += nextArrivalMs(perSecond);
    await sleep(Math.max(0, at - Date.now()));
    measuring = Date.now() - started >= WARMUP_MS;
    const counted = measuring;
    const request = post(urls[turn % urls.length] as string, "g").catch(() => 0);
    pending.push(
      request.then((status) => {
        if (!counted) return;
        if (status === 200) requests++;
        else errors++;
      }),
    );
  }
  measuring = false;
  clearInterval(sampler);
  await Promise.all(pending);
  const spreads = samples.map((s) => Math.max(...s) - Math.min(...s)).sort((a, b) => a - b);
  const totals = samples.map((s) => s.reduce((a, b) => a + b, 0));
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / Math.max(list.length, 1);
  return {
    routers: urls.length,
    concurrency,
    requests,
    errors,
    meanInFlight: mean(totals),
    meanSpread: mean(spreads),
    p95Spread: spreads[Math.min(spreads.length - 1, Math.floor(spreads.length * 0.95))] ?? Number.NaN,
    maxSpread: spreads.at(-1) ?? Number.NaN,
    balancedShare: spreads.filter((s) => s <= 1).length / Math.max(spreads.length, 1),
    meanExcess: mean(samples.map((s, i) => Math.max(...s) - (totals[i] as number) / s.length)),
  };
}

/** One usage-based burst: calls each deployment received within the minute. */
interface UsageResult {
  scenario: string;
  routers: number;
  rpm: number;
  sent: number;
  served: number;
  limited: number;
  /** Calls per deployment, busiest first. */
  calls: number[];
}

async function burst(mesh: Mesh, fakes: FakeUpstream[], scenario: UsageScenario): Promise<UsageResult> {
  const urls = mesh.restUrls;
  const sent = Math.round(scenario.offered * settings.limit * DEPLOYMENTS);
  const before = fakes.map((f) => f.requests.length);
  const share = scenario.firstShare;
  let others = 0;
  // Deterministic: request i goes to the first ingress when that keeps its count at floor((i + 1) * share), else to
  // the others in turn; without a share, to every ingress in turn.
  const pickUrl = (i: number): string => {
    if (share === undefined || urls.length === 1) return urls[i % urls.length] as string;
    if (Math.floor((i + 1) * share) > Math.floor(i * share)) return urls[0] as string;
    return urls[1 + (others++ % (urls.length - 1))] as string;
  };
  const targets = Array.from({ length: sent }, (_, i) => pickUrl(i));
  const statuses = await Promise.all(
    targets.map(async (url, i) => {
      await sleep((i * 1000) / settings.rate);
      return post(url, scenario.group).catch(() => 0);
    }),
  );
  return {
    scenario: scenario.title,
    routers: urls.length,
    rpm: Math.floor(scenario.rpm(urls.length)),
    sent,
    served: statuses.filter((s) => s === 200).length,
    limited: statuses.filter((s) => s === 429).length,
    calls: fakes.map((f, i) => f.requests.length - (before[i] as number)).sort((a, b) => b - a),
  };
}

async function startFakes(count: number, latencyMs = 0): Promise<FakeUpstream[]> {
  const fakes: FakeUpstream[] = [];
  for (let i = 0; i < count; i++) {
    const fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
    if (latencyMs > 0) fake.setDefault({ delayMs: latencyMs });
    fakes.push(fake);
  }
  return fakes;
}

async function balanceRuns(routers: number, strategy: string, out: BalanceResult[]): Promise<void> {
  const fakes = await startFakes(DEPLOYMENTS, settings.latencyMs);
  const mesh = await meshWith(
    strategy,
    fakes.map((f, i) => deploymentYaml("g", f, i)),
    routers,
  );
  try {
    for (const concurrency of settings.concurrency) {
      log(`bench: ${strategy}, ${routers} router(s), concurrency ${concurrency}`);
      out.push({ strategy, ...(await balance(mesh, fakes, concurrency)) });
    }
  } finally {
    await mesh.stop();
    await Promise.all(fakes.map((f) => f.close()));
  }
}

async function usageRuns(routers: number, out: UsageResult[]): Promise<void> {
  const fakes = new Map<string, FakeUpstream[]>();
  for (const s of USAGE) fakes.set(s.group, await startFakes(DEPLOYMENTS));
  const groups = USAGE.flatMap((s) =>
    (fakes.get(s.group) ?? []).map((f, i) => deploymentYaml(s.group, f, i, s.rpm(routers))),
  );
  const mesh = await meshWith("usage-based-routing", groups, routers);
  try {
    for (const scenario of USAGE) {
      if (routers === 1 && scenario.firstShare !== undefined) continue;
      log(`bench: usage-based-routing, ${routers} router(s), ${scenario.title}`);
      out.push(await burst(mesh, fakes.get(scenario.group) ?? [], scenario));
    }
  } finally {
    await mesh.stop();
    await Promise.all([...fakes.values()].flat().map((f) => f.close()));
  }
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

function balanceTable(rows: readonly BalanceResult[]): string {
  const lines = [
    "| strategy | routers | target in flight | requests | errors | mean in flight | spread mean | spread p95 | spread max | samples with spread <= 1 | busiest over even share (mean) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.strategy} | ${r.routers} | ${r.concurrency} | ${r.requests} | ${r.errors} | ${r.meanInFlight.toFixed(1)} | ` +
        `${r.meanSpread.toFixed(2)} | ${r.p95Spread} | ${r.maxSpread} | ${(r.balancedShare * 100).toFixed(0)} % | ` +
        `${r.meanExcess.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}

function usageTable(rows: readonly UsageResult[]): string {
  const limit = settings.limit;
  const lines = [
    `| scenario (upstream limit ${limit} rpm per deployment) | routers | rpm configured | sent | served | 429 | calls per deployment | busiest / limit |`,
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const ratio = ((r.calls[0] ?? 0) / limit).toFixed(2);
    lines.push(
      `| ${r.scenario} | ${r.routers} | ${r.rpm} | ${r.sent} | ${r.served} | ${r.limited} | ${r.calls.join(", ")} | ${ratio} |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const machine = `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  log(`bench: ${machine}`);
  const balances: BalanceResult[] = [];
  const usages: UsageResult[] = [];
  await balanceRuns(1, "simple-shuffle", balances);
  for (const routers of settings.replicas) {
    await balanceRuns(routers, "least-busy", balances);
    await usageRuns(routers, usages);
  }
  const out = [
    "## Routing state per router replica",
    "",
    `${machine}; the load generator, the fake upstreams and every Switchyard process share these CPUs.`,
    "",
    `### least-busy: requests in flight per deployment (${DEPLOYMENTS} deployments, ${settings.latencyMs} ms each, ` +
      `${settings.seconds} s per row)`,
    "",
    balanceTable(balances),
    "",
    `### usage-based-routing: calls per deployment within one minute (${DEPLOYMENTS} deployments, ${settings.rate} requests/s)`,
    "",
    usageTable(usages),
    "",
  ];
  process.stdout.write(`${out.join("\n")}\n`);
  if (env.BENCH_JSON) writeFileSync(env.BENCH_JSON, JSON.stringify({ machine, settings, balances, usages }, null, 2));
}

await main();
