// Markdown tables of a benchmark run, and the verdict on each target.

import type { LoadResult } from "./load.js";

/** A load scenario: the same request shape sent to every gateway. */
export interface Scenario {
  readonly id: "c1" | "stream" | "c32" | "c1-slow";
  readonly title: string;
  readonly stream: boolean;
  readonly concurrency: number;
  /** Upstream latency (non-stream) or TTFT (stream) in ms. */
  readonly delayMs: number;
}

/** One gateway's result in one scenario. */
export interface Measurement {
  readonly gateway: string;
  /** Why there is no result (the gateway could not be started). */
  readonly skipped?: string;
  readonly result?: LoadResult;
  /** CPU microseconds per successful request, by process label (`bench` is the load generator). */
  readonly cpuPerRequest: ReadonlyMap<string, number>;
}

/** Peak and end-of-run resident memory in bytes, by process label. */
export interface MemoryReport {
  readonly peak: ReadonlyMap<string, number>;
  readonly end: ReadonlyMap<string, number>;
}

const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? "n/a" : v.toFixed(3));
const signedMs = (v: number | undefined): string =>
  v === undefined || Number.isNaN(v) ? "n/a" : `${v >= 0 ? "+" : ""}${v.toFixed(3)}`;
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

function errors(m: Measurement): string {
  const r = m.result;
  if (!r) return "";
  return r.errors === 0 ? "0" : `${r.errors} (first: ${(r.firstError ?? "").replace(/\|/g, "/").slice(0, 120)})`;
}

function baseline(rows: readonly Measurement[]): LoadResult | undefined {
  return rows.find((m) => m.gateway === "direct")?.result;
}

/** The table of one scenario; latency columns for c=1, throughput for higher concurrency. */
export function scenarioTable(scenario: Scenario, rows: readonly Measurement[]): string {
  const base = baseline(rows);
  const lines: string[] = [`### ${scenario.title}`, ""];
  if (scenario.stream) {
    lines.push(
      "| target | requests | TTFT p50 ms | TTFT p99 ms | added TTFT p50 | added TTFT p99 | total p50 ms | errors |",
    );
    lines.push("|---|---:|---:|---:|---:|---:|---:|---|");
  } else if (scenario.concurrency === 1) {
    lines.push("| target | requests | p50 ms | p99 ms | added p50 | added p99 | req/s | errors |");
    lines.push("|---|---:|---:|---:|---:|---:|---:|---|");
  } else {
    lines.push("| target | requests | req/s | vs direct | p50 ms | p99 ms | errors |");
    lines.push("|---|---:|---:|---:|---:|---:|---|");
  }
  for (const m of rows) {
    const r = m.result;
    if (!r) {
      lines.push(
        `| ${m.gateway} | not measured: ${(m.skipped ?? "unknown").replace(/\s+/g, " ").replace(/\|/g, "/")} |`,
      );
      continue;
    }
    const isBase = m.gateway === "direct";
    if (scenario.stream) {
      const t = r.ttft;
      const added = (p: "p50" | "p99") => (isBase || !base?.ttft || !t ? "" : signedMs(t[p] - base.ttft[p]));
      lines.push(
        `| ${m.gateway} | ${r.requests} | ${ms(t?.p50)} | ${ms(t?.p99)} | ${added("p50")} | ${added("p99")} | ${ms(r.total.p50)} | ${errors(m)} |`,
      );
    } else if (scenario.concurrency === 1) {
      const added = (p: "p50" | "p99") => (isBase || !base ? "" : signedMs(r.total[p] - base.total[p]));
      lines.push(
        `| ${m.gateway} | ${r.requests} | ${ms(r.total.p50)} | ${ms(r.total.p99)} | ${added("p50")} | ${added("p99")} | ${r.requestsPerSecond.toFixed(0)} | ${errors(m)} |`,
      );
    } else {
      const ratio = base && !isBase ? `${((100 * r.requestsPerSecond) / base.requestsPerSecond).toFixed(0)} %` : "";
      lines.push(
        `| ${m.gateway} | ${r.requests} | ${r.requestsPerSecond.toFixed(0)} | ${ratio} | ${ms(r.total.p50)} | ${ms(r.total.p99)} | ${errors(m)} |`,
      );
    }
  }
  return lines.join("\n");
}

/** CPU time per request of every process, one row per scenario and gateway. */
export function cpuTable(results: ReadonlyMap<Scenario, readonly Measurement[]>): string {
  const labels = new Set<string>();
  for (const rows of results.values())
    for (const m of rows) for (const label of m.cpuPerRequest.keys()) labels.add(label);
  const columns = [...labels];
  const lines = [
    "### CPU time per request (µs, user + system, all threads; `bench` is the load generator)",
    "",
    `| scenario | target | ${columns.join(" | ")} |`,
    `|---|---|${columns.map(() => "---:").join("|")}|`,
  ];
  for (const [scenario, rows] of results) {
    for (const m of rows) {
      if (!m.result) continue;
      const cells = columns.map((c) => {
        const v = m.cpuPerRequest.get(c);
        return v === undefined ? "" : v.toFixed(0);
      });
      lines.push(`| ${scenario.id} | ${m.gateway} | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

/** Resident memory of each process at the end of (and at peak during) the concurrency run. */
export function memoryTable(title: string, memory: MemoryReport): string {
  const lines = [`### ${title}`, "", "| process | RSS at end MiB | peak RSS MiB |", "|---|---:|---:|"];
  for (const [label, peak] of memory.peak) {
    lines.push(`| ${label} | ${mib(memory.end.get(label) ?? Number.NaN)} | ${mib(peak)} |`);
  }
  return lines.join("\n");
}

/** The project's targets for Switchyard and whether this run met them. */
export function verdictTable(
  results: ReadonlyMap<Scenario, readonly Measurement[]>,
  memory: MemoryReport | undefined,
): string {
  const find = (id: Scenario["id"], gateway: string) => {
    for (const [s, rows] of results) if (s.id === id) return rows.find((m) => m.gateway === gateway)?.result;
    return undefined;
  };
  const lines = ["### Targets", "", "| target | measured | met |", "|---|---|---|"];
  const row = (name: string, measured: string, met: boolean | undefined) =>
    lines.push(`| ${name} | ${measured} | ${met === undefined ? "n/a" : met ? "yes" : "no"} |`);
  const c1 = [find("c1", "direct"), find("c1", "switchyard")] as const;
  if (c1[0] && c1[1]) {
    const p50 = c1[1].total.p50 - c1[0].total.p50;
    const p99 = c1[1].total.p99 - c1[0].total.p99;
    row("added latency c=1 p50 <= 1 ms", `${signedMs(p50)} ms`, p50 <= 1);
    row("added latency c=1 p99 <= 3 ms", `${signedMs(p99)} ms`, p99 <= 3);
    const floor = find("c1", "floor");
    if (floor) {
      // What three do-nothing processes add in the same run: the part of the target the layout itself takes.
      const f50 = floor.total.p50 - c1[0].total.p50;
      const f99 = floor.total.p99 - c1[0].total.p99;
      row("(floor: 3 trivial hops add, c=1 p50 / p99)", `${signedMs(f50)} / ${signedMs(f99)} ms`, undefined);
      row("(Switchyard above the floor, c=1 p50)", `${signedMs(p50 - f50)} ms`, undefined);
    }
  }
  const st = [find("stream", "direct")?.ttft, find("stream", "switchyard")?.ttft] as const;
  if (st[0] && st[1]) {
    const p50 = st[1].p50 - st[0].p50;
    row("added TTFT (p50) <= 2 ms", `${signedMs(p50)} ms (p99 ${signedMs(st[1].p99 - st[0].p99)} ms)`, p50 <= 2);
  }
  const sy = find("c32", "switchyard");
  const pk = find("c32", "portkey");
  if (sy) {
    const measured = `${sy.requestsPerSecond.toFixed(0)} vs ${pk ? pk.requestsPerSecond.toFixed(0) : "n/a"} req/s`;
    row("throughput c=32 >= Portkey's", measured, pk ? sy.requestsPerSecond >= pk.requestsPerSecond : undefined);
  }
  if (memory) {
    const services = [...memory.peak].filter(([label]) => label !== "upstream");
    const worst = services.reduce((a, b) => (b[1] > a[1] ? b : a), ["", 0] as [string, number]);
    row("every service < 200 MB RSS", `max ${mib(worst[1])} MiB (${worst[0]})`, worst[1] < 200 * 1000 * 1000);
  }
  return lines.join("\n");
}
