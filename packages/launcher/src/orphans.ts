import type { ChildProcess } from "node:child_process";

// Children spawned without `detached` stay in our process group but are not killed when we exit, so a crashed
// test run would leave services listening. This module tracks live children for the whole process (there is
// exactly one parent process, so one set is the honest model) and kills them when the parent goes away.

const live = new Set<ChildProcess>();
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

/** Kills `child` with SIGKILL if this process exits (or dies of a signal nobody else handles) while it runs. */
export function killOnParentExit(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  install();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

// A signal without a listener kills Node without running 'exit' handlers. Our listener replaces that default
// only while nobody else listens: if the host (start.js, a test runner) handles the signal, it decides; otherwise
// we kill the children and re-raise the signal so the process still dies of it.
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  killAll();
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off("exit", killAll);
  installed = false;
  process.kill(process.pid, signal);
}
