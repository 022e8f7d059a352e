// A/B benchmark: the same load on this checkout and on another built checkout, in alternating rounds, against one
// mock upstream. On a shared VM whose speed drifts by a third within an hour, only interleaved runs compare two
// versions; each round runs every scenario on A, then on B, and the table keeps every round.
//
//   node test/dist/bench/ab.js --base <dir> [--rounds 4] [--seconds 4] [--warmup 1] [--scenarios c1,stream,c32]
//   node test/dist/bench/ab.js --env-b NAME=VALUE [--env-b ...] [--env-a ...]
//
// --env-a / --env-b set an environment variable in every service of that side, to compare settings of one build
// (without --base both sides run this checkout).
//
// <dir> is the other checkout, installed and built on its own: `git worktree add ../base <commit> && cd ../base &&
// npm ci && npx tsc -b`. Its node_modules/@switchyard/* must point at its own packages (a node_modules symlinked to
// this checkout's would run this checkout's shared packages). Metering is off in both meshes.

import { parseArgs } from "node:util";
import { cpuMicros } from "@switchyard/launcher";
import { type LoadResult, runLoad } from "./load.js";
import { type Gateway, type MeshBenchOptions, startUpstream, switchyard, type Upstream } from "./targets.js";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "4" },
    warmup: { type: "string", default: "1" },
    scenarios: { type: "string", default: "c1,stream,c32" },
    concurrency: { type: "string", default: "32" },
    "env-a": { type: "string", multiple: true, default: [] },
    "env-b": { type: "string", multiple: true, default: [] },
  },
});

/** `NAME=VALUE` arguments as the environment of every measured service. */
function sideEnv(pairs: readonly string[]): MeshBenchOptions["serviceEnv"] {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 1) throw new Error(`--env-a/--env-b: expected NAME=VALUE, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return Object.fromEntries(SERVICES.map((name) => [name, env])) as MeshBenchOptions["serviceEnv"];
}

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
  if (!args.base && args["env-a"].length === 0 && args["env-b"].length === 0) {
    throw new Error("expected --base <other checkout> or --env-a/--env-b NAME=VALUE settings to compare");
  }
  const chosen = SCENARIOS.filter((s) => args.scenarios?.split(",").includes(s.id));
  const upstream: Upstream = await startUpstream(20);
  const gateways: Gateway[] = [];
  const rows: Row[] = [];
  try {
    const side = (root: string | undefined, env: readonly string[]) =>
      switchyard(upstream, [0], { workers: 1, metering: false, serviceEnv: sideEnv(env), ...(root ? { root } : {}) });
    gateways.push(await side(args.base, args["env-a"]));
    gateways.push(await side(undefined, args["env-b"]));
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
  const describe = (root: string, env: readonly string[]) => [root, ...env].join(" ");
  console.log(
    `## A/B: A = ${describe(args.base ?? "this checkout", args["env-a"])}, B = ${describe("this checkout", args["env-b"])}\n`,
  );
  for (const scenario of chosen) console.log(`${table(rows, scenario)}\n`);
}

await main();
