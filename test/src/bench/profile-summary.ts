// `node test/dist/bench/profile-summary.js <dir> [top]`: summarizes the V8 CPU profiles (*.cpuprofile) below <dir>,
// as written by `BENCH_PROFILE_DIR=<dir> npm run bench`: for each profile, the busy share by package or area and
// the top functions by self time. Idle time is left out of the percentages.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function findProfiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findProfiles(path));
    else if (entry.endsWith(".cpuprofile")) found.push(path);
  }
  return found;
}

/** The package or area a frame belongs to: an npm package, a Switchyard workspace, node internals or V8. */
function area(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  const own = /\/(services|packages)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url;
}

function frameLabel(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|services|packages)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${file ? `${file}:${frame.lineNumber + 1}` : ""}`.trim();
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      return;
    }
    busy += dt;
    const label = frameLabel(node.callFrame);
    self.set(label, (self.get(label) ?? 0) + dt);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + dt);
  });
  const pct = (v: number) => `${((100 * v) / Math.max(busy, 1)).toFixed(1)} %`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const lines = [`## ${path}`, "", `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`, ""];
  lines.push("| area | self share |", "|---|---:|");
  for (const [a, v] of sorted(areas).slice(0, 12)) lines.push(`| ${a} | ${pct(v)} |`);
  lines.push("", "| function | self share |", "|---|---:|");
  for (const [f, v] of sorted(self).slice(0, top)) lines.push(`| ${f.replace(/\|/g, "/")} | ${pct(v)} |`);
  return lines.join("\n");
}

const dir = process.argv[2];
if (!dir) throw new Error("expected a directory of .cpuprofile files as the first argument");
const top = Number(process.argv[3] ?? 15);
for (const path of findProfiles(dir).sort()) {
  process.stdout.write(`${summarize(path, top).replace(`## ${path}`, `## ${relative(dir, path)}`)}\n\n`);
}
