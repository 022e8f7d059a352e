// What a running process costs, read from Linux's /proc: used by the specs and benchmarks that watch the processes
// this package starts (memory bounds under load, CPU per request or per event).

import { readFileSync } from "node:fs";

/** Resident memory of a process in bytes (VmRSS from /proc/<pid>/status), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux build that matters). */
const USER_HZ = 100;

/** CPU time (user + system, all threads) a process used so far, in microseconds; 0 when it is gone. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / USER_HZ;
  } catch {
    return 0;
  }
}
