import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { MeshStartError } from "./errors.js";
import { createLineRing, createLineSplitter } from "./lines.js";
import { killOnParentExit } from "./orphans.js";
import { logFileName, type ProcessPlan, processLabel, type ServiceName } from "./plan.js";

/** Lines of output kept in memory per process for diagnostics. */
const LOG_LINES = 200;
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;

/** One line a process wrote, with where it came from. */
export interface LogLine {
  readonly name: ServiceName;
  readonly index: number;
  readonly stream: "stdout" | "stderr";
  readonly line: string;
}

/** A running (or stopped) process of the mesh. `pid` and `child` follow restarts. */
export interface MeshProcess {
  readonly name: ServiceName;
  /** Replica index; 0 for services that run once. */
  readonly index: number;
  readonly pid: number;
  /** `host:port` its gRPC server binds. */
  readonly grpcAddress: string;
  /** `http://host:port` of its HTTP server (`/healthz`, `/readyz`; the REST API for the ingress). */
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** False once the current child has exited. */
  readonly running: boolean;
  /** The last 200 lines it wrote to stdout and stderr, across restarts. */
  logs(): string;
}

/** A mesh process plus the controls the mesh uses. */
export interface ServiceProcess extends MeshProcess {
  /** Spawns the process; fails if it is still running. */
  spawn(): void;
  /** Resolves once `/readyz` answers 200; throws `MeshStartError` if it exits first or the time runs out. */
  waitReady(timeoutMs: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code (null when a signal ended it) once it has exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Like `kill`, but sends SIGKILL when it has not exited after `timeoutMs`. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<number | null>;
}

/** Where a process's output goes besides its in-memory tail. */
export interface OutputOptions {
  /** Repository root: the working directory and the base of `plan.entry`. */
  readonly root: string;
  /** Directory for `<name>[-i].log`, appended to; none when undefined. */
  readonly logDir?: string;
  readonly onLog?: (line: LogLine) => void;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Run {
  readonly child: ChildProcess;
  readonly exit: Promise<Exit>;
  result?: Exit;
}

/** Creates the handle of one planned process; nothing runs until `spawn()`. */
export function createServiceProcess(plan: ProcessPlan, output: OutputOptions): ServiceProcess {
  const ring = createLineRing(LOG_LINES);
  const { name, index } = plan;
  let run: Run | undefined;

  const current = (): Run => {
    if (run === undefined) throw new Error(`expected ${processLabel(name, index)} to have been started`);
    return run;
  };
  const record = (stream: LogLine["stream"], file: WriteStream | undefined) => (line: string) => {
    ring.add(line);
    file?.write(`${line}\n`);
    output.onLog?.({ name, index, stream, line });
  };

  return {
    name,
    index,
    grpcAddress: plan.grpcAddress,
    httpUrl: `http://${plan.httpAddress}`,
    get pid() {
      return current().child.pid ?? -1;
    },
    get child() {
      return current().child;
    },
    get running() {
      return run !== undefined && isRunning(run);
    },
    logs: () => ring.lines().join("\n"),
    spawn() {
      if (run !== undefined && isRunning(run)) {
        throw new Error(`expected ${processLabel(name, index)} to be stopped before it is started again`);
      }
      const file = output.logDir
        ? createWriteStream(join(output.logDir, logFileName(name, index)), { flags: "a" })
        : undefined;
      run = startChild(plan, output.root, record("stdout", file), record("stderr", file), file);
    },
    async waitReady(timeoutMs) {
      const r = current();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (r.result) throw new MeshStartError(name, index, describeExit(r.result), r.result.code, this.logs());
        if (await isReady(this.httpUrl)) return;
        if (Date.now() >= deadline) {
          throw new MeshStartError(name, index, `not ready after ${timeoutMs} ms`, null, this.logs());
        }
        await within(r.exit, POLL_INTERVAL_MS);
      }
    },
    async kill(signal) {
      const r = current();
      if (r.result) return r.result.code;
      r.child.kill(signal);
      return (await r.exit).code;
    },
    async stop(signal, timeoutMs) {
      const r = current();
      if (r.result) return r.result.code;
      r.child.kill(signal);
      const exited = await within(r.exit, timeoutMs);
      if (exited === undefined) r.child.kill("SIGKILL");
      return (await r.exit).code;
    },
  };
}

function startChild(
  plan: ProcessPlan,
  root: string,
  onStdout: (line: string) => void,
  onStderr: (line: string) => void,
  file: WriteStream | undefined,
): Run {
  const child = spawn(process.execPath, [join(root, plan.entry)], {
    cwd: root,
    env: plan.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  killOnParentExit(child);
  const out = createLineSplitter(onStdout);
  const err = createLineSplitter(onStderr);
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => out.push(chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => err.push(chunk));
  const run: Run = {
    child,
    exit: new Promise<Exit>((resolve) => {
      const finish = (exit: Exit) => {
        out.flush();
        err.flush();
        file?.end();
        run.result = exit;
        resolve(exit);
      };
      // 'close' rather than 'exit': it fires after stdout and stderr are drained, so the tail is complete.
      child.once("close", (code, signal) => finish({ code, signal }));
      child.once("error", (e) => {
        onStderr(`launcher: could not start ${plan.entry}: ${e.message}`);
        finish({ code: null, signal: null });
      });
    }),
  };
  return run;
}

// exitCode and signalCode are set on 'exit', a little before 'close' settles `result`.
function isRunning(run: Run): boolean {
  return run.result === undefined && run.child.exitCode === null && run.child.signalCode === null;
}

function describeExit(exit: Exit): string {
  if (exit.signal !== null) return `exited on ${exit.signal} before it was ready`;
  if (exit.code !== null) return `exited with code ${exit.code} before it was ready`;
  return "could not be started";
}

/** Resolves with `promise`'s value, or undefined when `ms` pass first; the timer is cleared either way. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when `GET <httpUrl>/readyz` answers 200. A fresh connection per probe, so no socket outlives the check. */
export function isReady(httpUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${httpUrl}/readyz`, { agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}
