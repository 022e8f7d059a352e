// `npm run bench`: loads the mock upstream directly, through three trivial forwarding processes (the floor of the
// process layout), through the Switchyard mesh and through Portkey's gateway in one run, prints markdown tables (latency, TTFT, throughput, CPU per request, memory, targets) and then runs the
// internal transport micro-benchmark. The load generator runs in this process; the upstream, every Switchyard
// service and Portkey are separate processes. Settings (environment):
//
//   BENCH_SECONDS=10          measured seconds per scenario and target
//   BENCH_WARMUP_SECONDS=2    unmeasured warm-up before each measurement
//   BENCH_CONCURRENCY=32      concurrency of the throughput scenario
//   BENCH_CHUNKS=20           content chunks per streamed answer
//   BENCH_SLOW_MS=20          upstream latency of the extra c=1 scenario; 0 skips it
//   BENCH_WORKERS=1           provider-worker replicas
//   BENCH_METERING=1          0 runs Switchyard without metering (no NATS, ClickHouse or metering service)
//   BENCH_TARGETS=direct,floor,switchyard,portkey   which targets to load (floor: three trivial forwarding processes)
//   BENCH_SCENARIOS=c1,stream,c32,c1-slow      which scenarios to run
//   BENCH_TRANSPORT=1         0 skips the transport micro-benchmark
//   BENCH_PROFILE_DIR=        when set, Switchyard services record CPU profiles into <dir>/<service>/
//   BENCH_JSON=               when set, the raw results are also written to this file

import { writeFileSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";
import { cpuMicros, freePort, rssBytes } from "@switchyard/launcher";
import { runLoad } from "./load.js";
import { sampleRss, sibling, spawnNode } from "./procs.js";
import {
  cpuTable,
  type Measurement,
  type MemoryReport,
  memoryTable,
  type Scenario,
  scenarioTable,
  verdictTable,
} from "./report.js";
import { direct, type Gateway, hopFloor, portkey, startUpstream, switchyard, type Upstream } from "./targets.js";

const env = process.env;
const num = (name: string, fallback: number): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`expected ${name} to be a number >= 0, got ${env[name]}`);
  return value;
};
const list = (name: string, fallback: string): Set<string> =>
  new Set((env[name] ?? fallback).split(",").map((s) => s.trim()));

const settings = {
  seconds: num("BENCH_SECONDS", 10),
  warmupSeconds: num("BENCH_WARMUP_SECONDS", 2),
  concurrency: num("BENCH_CONCURRENCY", 32),
  chunks: num("BENCH_CHUNKS", 20),
  slowMs: num("BENCH_SLOW_MS", 20),
  workers: num("BENCH_WORKERS", 1),
  metering: env.BENCH_METERING !== "0",
  targets: list("BENCH_TARGETS", "direct,floor,switchyard,portkey"),
  scenarios: list("BENCH_SCENARIOS", "c1,stream,c32,c1-slow"),
  transport: env.BENCH_TRANSPORT !== "0",
  profileDir: env.BENCH_PROFILE_DIR,
  json: env.BENCH_JSON,
};

function scenarios(): Scenario[] {
  const all: Scenario[] = [
    { id: "c1", title: "Non-stream, concurrency 1, instant upstream", stream: false, concurrency: 1, delayMs: 0 },
    {
      id: "stream",
      title: `Stream (${settings.chunks} chunks), concurrency 1, instant upstream`,
      stream: true,
      concurrency: 1,
      delayMs: 0,
    },
    {
      id: "c32",
      title: `Non-stream, concurrency ${settings.concurrency}, instant upstream`,
      stream: false,
      concurrency: settings.concurrency,
      delayMs: 0,
    },
  ];
  if (settings.slowMs > 0) {
    all.push({
      id: "c1-slow",
      title: `Non-stream, concurrency 1, upstream latency ${settings.slowMs} ms`,
      stream: false,
      concurrency: 1,
      delayMs: settings.slowMs,
    });
  }
  return all.filter((s) => settings.scenarios.has(s.id));
}

async function startGateways(upstream: Upstream, delays: readonly number[]): Promise<Gateway[]> {
  const gateways: Gateway[] = [];
  if (settings.targets.has("direct")) gateways.push(direct(upstream));
  if (settings.targets.has("floor")) gateways.push(await hopFloor(upstream));
  if (settings.targets.has("switchyard")) {
    const options = {
      workers: settings.workers,
      metering: settings.metering,
      ...(settings.profileDir ? { profileDir: settings.profileDir } : {}),
    };
    gateways.push(await switchyard(upstream, delays, options));
  }
  if (settings.targets.has("portkey")) gateways.push(await portkey(upstream, await freePort()));
  return gateways;
}

/** CPU time so far of every process involved in a measurement, by label. */
function cpuSnapshot(gateway: Gateway, upstream: Upstream): Map<string, number> {
  const snapshot = new Map<string, number>();
  const self = process.cpuUsage();
  snapshot.set("bench", self.user + self.system);
  snapshot.set("upstream", cpuMicros(upstream.process.pid));
  for (const [label, pid] of gateway.pids) if (label !== "upstream") snapshot.set(label, cpuMicros(pid));
  return snapshot;
}

async function measure(gateway: Gateway, upstream: Upstream, scenario: Scenario): Promise<Measurement> {
  if (gateway.unavailable) return { gateway: gateway.name, skipped: gateway.unavailable, cpuPerRequest: new Map() };
  let before = new Map<string, number>();
  const result = await runLoad(gateway.target(scenario.delayMs), {
    stream: scenario.stream,
    concurrency: scenario.concurrency,
    durationMs: settings.seconds * 1000,
    warmupMs: settings.warmupSeconds * 1000,
    onMeasureStart: () => {
      before = cpuSnapshot(gateway, upstream);
    },
  });
  const after = cpuSnapshot(gateway, upstream);
  const cpuPerRequest = new Map<string, number>();
  for (const [label, end] of after) {
    cpuPerRequest.set(label, (end - (before.get(label) ?? 0)) / Math.max(result.requests, 1));
  }
  return { gateway: gateway.name, result, cpuPerRequest };
}

function describeMachine(): string {
  const cpu = cpus();
  return [
    `node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model ?? "unknown"}),`,
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} GiB free);`,
    "the load generator, the mock upstream and every gateway process share these CPUs.",
  ].join(" ");
}

function runTransport(): Promise<void> {
  const child = spawnNode(sibling("transport.js"));
  child.child.stdout?.pipe(process.stdout);
  return new Promise((resolve) => child.child.once("exit", () => resolve()));
}

async function main(): Promise<void> {
  const chosen = scenarios();
  const delays = [...new Set([0, ...chosen.map((s) => s.delayMs)])];
  const upstream = await startUpstream(settings.chunks);
  const gateways = await startGateways(upstream, delays);
  const results = new Map<Scenario, Measurement[]>();
  const memory = new Map<string, MemoryReport>();
  const log = (text: string) => process.stderr.write(`${text}\n`);
  try {
    log(`bench: ${describeMachine()}`);
    for (const gateway of gateways)
      if (gateway.unavailable) log(`bench: ${gateway.name} unavailable: ${gateway.unavailable}`);
    for (const scenario of chosen) {
      const rows: Measurement[] = [];
      for (const gateway of gateways) {
        log(`bench: ${scenario.id} -> ${gateway.name}`);
        const sampler = scenario.id === "c32" && !gateway.unavailable ? sampleRss(gateway.pids) : undefined;
        rows.push(await measure(gateway, upstream, scenario));
        if (sampler) {
          const end = new Map<string, number>();
          for (const [label, pid] of gateway.pids) end.set(label, rssBytes(pid) ?? Number.NaN);
          memory.set(gateway.name, { peak: sampler.stop(), end });
        }
      }
      results.set(scenario, rows);
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await upstream.process.stop();
  }
  const out: string[] = ["## Gateway benchmark", "", describeMachine(), ""];
  out.push(
    `Settings: ${settings.seconds} s measured after ${settings.warmupSeconds} s warm-up per scenario and target, ` +
      `${settings.workers} provider-worker(s), ${settings.chunks} chunks per stream; ` +
      `portkey ${gateways.find((g) => g.name === "portkey")?.version ?? "not run"}.`,
    "",
  );
  for (const [scenario, rows] of results) out.push(scenarioTable(scenario, rows), "");
  out.push(cpuTable(results), "");
  const sy = memory.get("switchyard");
  if (sy) out.push(memoryTable("Switchyard resident memory (concurrency run)", sy), "");
  const pk = memory.get("portkey");
  if (pk) out.push(memoryTable("Portkey resident memory (concurrency run)", pk), "");
  out.push(verdictTable(results, sy), "");
  process.stdout.write(`${out.join("\n")}\n`);
  if (settings.json) writeFileSync(settings.json, JSON.stringify(toJson(results, memory), null, 2));
  if (settings.transport) await runTransport();
}

function toJson(results: ReadonlyMap<Scenario, readonly Measurement[]>, memory: ReadonlyMap<string, MemoryReport>) {
  return {
    machine: describeMachine(),
    settings: { ...settings, targets: [...settings.targets], scenarios: [...settings.scenarios] },
    scenarios: [...results].map(([scenario, rows]) => ({
      scenario,
      rows: rows.map((m) => ({ ...m, cpuPerRequest: Object.fromEntries(m.cpuPerRequest) })),
    })),
    memory: Object.fromEntries(
      [...memory].map(([name, m]) => [name, { peak: Object.fromEntries(m.peak), end: Object.fromEntries(m.end) }]),
    ),
  };
}

await main();
