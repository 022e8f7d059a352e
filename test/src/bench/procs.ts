// Child processes of the benchmarks and what /proc says about them (resident memory, CPU time).

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { rssBytes } from "@switchyard/launcher";

/** A child process started by a benchmark. */
export interface Child {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far (the last 8 KiB), for error messages. */
  stderr(): string;
  /** Sends SIGTERM and resolves when it exited; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** A compiled file beside this one, e.g. `sibling("upstream.js")`. */
export function sibling(file: string): string {
  return fileURLToPath(new URL(file, import.meta.url));
}

/** Options of `spawnNode`. */
export interface SpawnOptions {
  args?: readonly string[];
  env?: Record<string, string>;
  nodeOptions?: readonly string[];
}

/** Starts `node <script>` with the benchmark's environment plus `env`; it is killed if this process exits. */
export function spawnNode(script: string, options: SpawnOptions = {}): Child {
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), script, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (part: Buffer) => {
    err = (err + part.toString("utf8")).slice(-8192);
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    pid: child.pid ?? -1,
    child,
    stderr: () => err,
    async stop(timeoutMs = 5_000) {
      process.off("exit", kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves with the first stdout line of `child` that parses as a JSON object, or rejects when it exits first. */
export function firstJsonLine(child: Child, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => done(new Error(`expected a ready line within ${timeoutMs} ms`)), timeoutMs);
    const onData = (part: Buffer) => {
      buffered += part.toString("utf8");
      for (const line of buffered.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          return done(undefined, JSON.parse(line) as Record<string, unknown>);
        } catch {
          // an incomplete line: wait for more output
        }
      }
    };
    const onExit = (code: number | null) =>
      done(new Error(`expected a ready line, but it exited (${code}): ${child.stderr()}`));
    const done = (error?: Error, value?: Record<string, unknown>) => {
      clearTimeout(timer);
      child.child.stdout?.off("data", onData);
      child.child.off("exit", onExit);
      if (error) reject(error);
      else resolve(value ?? {});
    };
    child.child.stdout?.on("data", onData);
    child.child.once("exit", onExit);
  });
}

/** Samples the RSS of some processes every `intervalMs` and keeps each one's peak. */
export function sampleRss(pids: ReadonlyMap<string, number>, intervalMs = 250): { stop(): Map<string, number> } {
  const peaks = new Map<string, number>();
  const sample = () => {
    for (const [label, pid] of pids) {
      const rss = rssBytes(pid);
      if (rss !== undefined) peaks.set(label, Math.max(peaks.get(label) ?? 0, rss));
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
