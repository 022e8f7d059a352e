// A preload (`NODE_OPTIONS=--import=<this file>`) that records a V8 CPU profile of the whole process and writes it
// to `$BENCH_CPU_PROF_DIR/<pid>.cpuprofile` when the process exits. Node 20 refuses `--cpu-prof` in NODE_OPTIONS,
// and the launcher owns the services' command lines, so the benchmark profiles services through this instead.

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  // 1 ms sampling keeps the profiler's own cost small against sub-millisecond requests.
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  process.on("exit", () => {
    // An in-thread session answers synchronously, so the profile is written before the process ends.
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
