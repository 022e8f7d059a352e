// Runs every compiled spec of the repository with node:test, one file at a time.
//
//   npm test                         all specs under packages/*/dist, services/*/dist and test/dist
//   npm test -- ingress conformance  only files whose path contains "ingress" or "conformance"
//   npm test -- router --test-name-pattern=retry
//                                    arguments starting with "-" go to node --test unchanged (use the
//                                    --flag=value form: a separate value would be read as a filter)
//
// Node 20 does not expand globs for --test, so the file list is built here. The spec reporter writes to the
// terminal; a TAP reporter writes to a temporary file whose summary (`# pass N`, `# fail N`) is repeated last, so
// scripts and CI can read the counts from the end of the output. Exits with node's exit code.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** node:test's --test-timeout applies to each test; mesh tests start processes, so minutes, not seconds. */
const TEST_TIMEOUT_MS = 5 * 60_000;
const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

/** Every `*.spec.js` below `dir`, skipping node_modules. */
async function findSpecs(dir) {
  const found = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules") found.push(...(await findSpecs(path)));
    else if (entry.isFile() && entry.name.endsWith(".spec.js")) found.push(path);
  }
  return found;
}

/** The `dist` folders of every workspace that can hold specs. */
async function distDirs() {
  const dirs = [join(root, "test", "dist")];
  for (const group of ["packages", "services"]) {
    const entries = await readdir(join(root, group), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) dirs.push(join(root, group, entry.name, "dist"));
  }
  return dirs;
}

/** tsc never deletes output: a spec whose source is gone would still run, so it is skipped instead. */
function hasSource(file) {
  const rel = relative(root, file).split(sep);
  const dist = rel.indexOf("dist");
  if (dist < 0) return true;
  rel[dist] = "src";
  const source = join(root, ...rel).replace(/\.js$/, ".ts");
  return existsSync(source);
}

function runNode(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
    // Ctrl-C reaches node --test through the terminal; wait for it to report and exit rather than dying first.
    const ignore = () => {};
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", ignore);
    process.on("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const nodeArgs = args.filter((a) => a.startsWith("-"));
  const filters = args.filter((a) => !a.startsWith("-"));

  const all = (await Promise.all((await distDirs()).map(findSpecs))).flat().sort();
  const fresh = [];
  for (const file of all) {
    if (hasSource(file)) fresh.push(file);
    else console.error(`skipping ${relative(root, file)}: its source file no longer exists`);
  }
  const files = fresh.filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
  if (files.length === 0) {
    console.error(
      all.length === 0
        ? "no compiled spec files found; run npm run build first"
        : `no spec file path contains any of: ${filters.join(", ")}`,
    );
    return 1;
  }

  const tapDir = await mkdtemp(join(tmpdir(), "switchyard-test-"));
  const tapFile = join(tapDir, "report.tap");
  try {
    const code = await runNode([
      "--test",
      "--test-concurrency=1",
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tapFile}`,
      ...nodeArgs,
      ...files,
    ]);
    const tap = await readFile(tapFile, "utf8").catch(() => "");
    const summary = tap.split("\n").filter((line) => SUMMARY.test(line));
    if (summary.length > 0) process.stdout.write(`\n${summary.join("\n")}\n`);
    return code;
  } finally {
    await rm(tapDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
