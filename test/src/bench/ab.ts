// A/B benchmark: the same load on this checkout and on another built checkout, in alternating rounds, against one
// mock upstream. On a shared VM whose speed drifts by a third within an hour, only interleaved runs compare two
// versions; each round runs every scenario on A, then on B, and the table keeps every round.
//
//   node test/dist/bench/ab.js --base <dir> [--rounds 4] [--seconds 4] [--warmup 1] [--scenarios c1,stream,c32]
//
// <dir> is the other checkout, installed and built on its own: `git worktree add ../base <commit> && cd ../base &&
// npm ci && npx tsc -b`. Its node_modules/@switchyard/* must point at its own packages (a node_modules symlinked to
// this checkout's would run this checkout's shared packages). Metering is off in both meshes.

import { parseArgs } from "node:util";
import { cpuMicros } from "@switchyard/launcher";
import { type LoadResult, runLoad } from "./load.js";
import { type Gateway, startUpstream, switchyard, type Upstream } from "./targets.js";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "4" },
    warmup: { type: "string", default: "1" },
    scenarios: { type: "string", default: "c1,stream,c32" },
    concurrency: { type: "string", default: "32" },
  },
});

interface AbScenario {
  id: string;
  stream: boolean;
  concurrency: number;
}

const SCENARIOS: AbScenario[] = [
  { id: "c1", stream: false, concurrency: 1 },
  { id: "stream", stream: true, concurrency: 1 },
  { id: "c32", stream: false, concurrency: Number(args.concurrency) },
];

const SERVICES = ["provider-worker", "router", "ingress"];

interface Row {
  round: number;
  side: "A" | "B";
  scenario: string;
  result: LoadResult;
  cpu: number[];
}

async function measure(gateway: Gateway, scenario: AbScenario): Promise<[LoadResult, number[]]> {
  const pids = SERVICES.map((name) => gateway.pids.get(name) ?? 0);
  let before: number[] = [];
  const result = await runLoad(gateway.target(0), {
    stream: scenario.stream,
    concurrency: scenario.concurrency,
    durationMs: Number(args.seconds) * 1000,
    warmupMs: Number(args.warmup) * 1000,
    onMeasureStart: () => {
      before = pids.map(cpuMicros);
    },
  });
  const cpu = pids.map((pid, i) => (cpuMicros(pid) - (before[i] ?? 0)) / Math.max(result.requests, 1));
  return [result, cpu];
}

function table(rows: readonly Row[], scenario: AbScenario): string {
  const lines = [
    `### ${scenario.id} (${scenario.stream ? "stream" : "non-stream"}, concurrency ${scenario.concurrency})`,
    "",
    `| round | side | requests | req/s | p50 ms | p99 ms |${scenario.stream ? " TTFT p50 ms |" : ""} CPU µs/request: ${SERVICES.join(" / ")} |`,
    `|---:|---|---:|---:|---:|---:|${scenario.stream ? "---:|" : ""}---|`,
  ];
  for (const row of rows.filter((r) => r.scenario === scenario.id)) {
    const { result } = row;
    const ttft = scenario.stream ? ` ${result.ttft?.p50.toFixed(3) ?? ""} |` : "";
    lines.push(
      `| ${row.round} | ${row.side} | ${result.requests} | ${Math.round(result.requestsPerSecond)} | ${result.total.p50.toFixed(3)} | ${result.total.p99.toFixed(3)} |${ttft} ${row.cpu.map((c) => Math.round(c)).join(" / ")} |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  if (!args.base) throw new Error("--base <dir>: expected the other checkout to compare with");
  const chosen = SCENARIOS.filter((s) => args.scenarios?.split(",").includes(s.id));
  const upstream: Upstream = await startUpstream(20);
  const gateways: Gateway[] = [];
  const rows: Row[] = [];
  try {
    gateways.push(await switchyard(upstream, [0], { workers: 1, metering: false, root: args.base }));
    gateways.push(await switchyard(upstream, [0], { workers: 1, metering: false }));
    const [a, b] = gateways as [Gateway, Gateway];
    for (let round = 1; round <= Number(args.rounds); round++) {
      for (const scenario of chosen) {
        for (const [side, gateway] of [
          ["A", a],
          ["B", b],
        ] as const) {
          process.stderr.write(`ab: round ${round}, ${scenario.id}, ${side}\n`);
          const [result, cpu] = await measure(gateway, scenario);
          if (result.errors > 0)
            throw new Error(`${side} ${scenario.id}: ${result.errors} errors (${result.firstError})`);
          rows.push({ round, side, scenario: scenario.id, result, cpu });
        }
      }
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await upstream.process.stop();
  }
  console.log(`## A/B: A = ${args.base}, B = this checkout\n`);
  for (const scenario of chosen) console.log(`${table(rows, scenario)}\n`);
}

await main();
