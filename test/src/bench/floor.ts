// `node test/dist/bench/floor.js`: what process hops alone cost on this machine. It puts chains of 1 and 3 trivial
// forwarding processes (hop-proxy.ts: no parsing, no routing) between the load generator and the mock upstream,
// with HTTP/1.1 or HTTP/2 between the hops, and prints the non-stream latency at concurrency 1 and the throughput
// at concurrency 32. Switchyard's REST path crosses three processes (ingress, router, provider-worker), so the
// 3-hop rows are the floor its added latency can reach with this process layout. BENCH_SECONDS (default 6) and
// BENCH_WARMUP_SECONDS (default 2) set the durations.

import { runLoad, type Target } from "./load.js";
import { startHopChain, startUpstream, UPSTREAM_KEY } from "./targets.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);

function target(port: number): Target {
  return {
    origin: `http://127.0.0.1:${port}`,
    path: "/v1/chat/completions",
    headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    model: "bench-model",
  };
}

async function row(label: string, port: number): Promise<string> {
  const load = { stream: false, durationMs: seconds * 1000, warmupMs: warmupSeconds * 1000 };
  const c1 = await runLoad(target(port), { ...load, concurrency: 1 });
  const c32 = await runLoad(target(port), { ...load, concurrency: 32 });
  return `| ${label} | ${c1.total.p50.toFixed(3)} | ${c1.total.p99.toFixed(3)} | ${c32.requestsPerSecond.toFixed(0)} |`;
}

async function main(): Promise<void> {
  const upstream = await startUpstream(20);
  const port = Number(new URL(upstream.origin).port);
  const lines = [
    "## Process-hop floor (trivial forwarding processes)",
    "",
    "| path | c=1 p50 ms | c=1 p99 ms | c=32 req/s |",
    "|---|---:|---:|---:|",
  ];
  try {
    process.stderr.write("floor: direct\n");
    lines.push(await row("direct", port));
    for (const [hops, inner] of [
      [1, "h1"],
      [3, "h1"],
      [3, "h2"],
    ] as const) {
      process.stderr.write(`floor: ${hops} hop(s), ${inner}\n`);
      const built = await startHopChain(hops, inner, port);
      try {
        lines.push(
          await row(
            `${hops} hop${hops > 1 ? `s (inner links ${inner === "h2" ? "HTTP/2" : "HTTP/1.1"})` : ""}`,
            built.port,
          ),
        );
      } finally {
        await Promise.all(built.procs.map((p) => p.stop()));
      }
    }
  } finally {
    await upstream.process.stop();
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
