import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createLineRing, createLineSplitter } from "../lines.js";
import { killOnParentExit } from "../orphans.js";

// The pieces nats.ts and clickhouse.ts share: find a binary, own a data directory, run one server process with a
// log tail, poll its health URL, and stop, kill or restart it with the same arguments.

const LOG_LINES = 200;
const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 1_000;
const STOP_TIMEOUT_MS = 10_000;

/** Controls every infrastructure server handle offers. */
export interface InfraProcess {
  /** Data directory; removed by `stop()` unless the caller passed it. */
  readonly dir: string;
  /** Pid of the current process; follows restarts. */
  readonly pid: number;
  /** Sends SIGTERM, waits for the exit (SIGKILL after 10 s), then removes a directory it created. */
  stop(): Promise<void>;
  /** Sends `signal` and resolves with the exit code (null when a signal ended it) once it has exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Stops the process if it runs, then starts it again with the same ports and data directory. */
  restart(): Promise<void>;
  /** The last 200 lines it wrote to stdout and stderr, across restarts. */
  logs(): string;
}

/** How to run and probe one server. */
export interface ServerSpec {
  readonly binary: string;
  readonly args: readonly string[];
  /** GET this URL until `ready(status, body)` is true. */
  readonly healthUrl: string;
  readonly ready: (status: number, body: string) => boolean;
}

interface Run {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  exited: boolean;
}

/** Resolves `name` on PATH or in /usr/sbin (Debian puts both servers there); throws naming the install script. */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next directory
    }
  }
  throw new Error(`expected ${name} on PATH or in /usr/sbin: run 'bash scripts/install-deps.sh' to install it`);
}

/** The caller's directory, or a fresh temporary one that `owned` says to remove. */
export async function dataDir(prefix: string, dir?: string): Promise<{ dir: string; owned: boolean }> {
  if (dir !== undefined) return { dir, owned: false };
  return { dir: await mkdtemp(join(tmpdir(), `switchyard-${prefix}-`)), owned: true };
}

/**
 * Starts the server described by `spec` and resolves once its health URL answers ready, with `fields` added to the
 * handle. When it does not get ready, it is stopped (and a directory it owns removed) before the error is thrown.
 */
export async function startServer<T extends object>(
  spec: ServerSpec,
  data: { dir: string; owned: boolean },
  fields: T,
): Promise<InfraProcess & T> {
  const { dir, owned } = data;
  const ring = createLineRing(LOG_LINES);
  let run = launch(spec, ring.add);
  const stopRun = async (): Promise<void> => {
    if (run.exited) return;
    run.child.kill("SIGTERM");
    // A paused (SIGSTOP) server only acts on SIGTERM once it runs again.
    run.child.kill("SIGCONT");
    if ((await within(run.exit, STOP_TIMEOUT_MS)) === undefined && !run.exited) run.child.kill("SIGKILL");
    await run.exit;
  };
  const handle: InfraProcess = {
    dir,
    get pid() {
      return run.child.pid ?? -1;
    },
    logs: () => ring.lines().join("\n"),
    async kill(signal) {
      if (run.exited) return run.child.exitCode;
      run.child.kill(signal);
      return run.exit;
    },
    async stop() {
      await stopRun();
      if (owned) await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopRun();
      run = launch(spec, ring.add);
      await waitReady(spec, run, handle.logs);
    },
  };
  try {
    await waitReady(spec, run, handle.logs);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return Object.assign(handle, fields);
}

function launch(spec: ServerSpec, onLine: (line: string) => void): Run {
  const child = spawn(spec.binary, spec.args, { stdio: ["ignore", "pipe", "pipe"] });
  killOnParentExit(child);
  const out = createLineSplitter(onLine);
  const err = createLineSplitter(onLine);
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => out.push(chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => err.push(chunk));
  const run: Run = {
    child,
    exited: false,
    exit: new Promise((resolve) => {
      const finish = (code: number | null) => {
        out.flush();
        err.flush();
        run.exited = true;
        resolve(code);
      };
      // 'close' rather than 'exit': it fires after stdout and stderr are drained, so the tail is complete.
      child.once("close", (code) => finish(code));
      child.once("error", (e) => {
        onLine(`launcher: could not start ${spec.binary}: ${e.message}`);
        finish(null);
      });
    }),
  };
  return run;
}

async function waitReady(spec: ServerSpec, run: Run, logs: () => string): Promise<void> {
  const name = spec.binary.split("/").pop();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (run.exited) throw new Error(`expected ${name} to become ready, but it exited; last output:\n${logs()}`);
    if (await probe(spec)) return;
    if (Date.now() >= deadline) {
      throw new Error(`expected ${name} to be ready within ${READY_TIMEOUT_MS} ms; last output:\n${logs()}`);
    }
    await within(run.exit, POLL_INTERVAL_MS);
  }
}

/** One GET with a fresh connection per probe, so no socket outlives the check (or a killed server). */
function probe(spec: ServerSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(spec.healthUrl, { agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve(spec.ready(res.statusCode ?? 0, body)));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/** Resolves with `promise`'s value, or undefined when `ms` pass first; the timer is cleared either way. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
