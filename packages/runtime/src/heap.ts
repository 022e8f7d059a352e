// How far V8 lets the old generation grow past what the last full collection kept. Left to itself, V8 picks a factor
// between 1.1 and 4 from how fast its collector runs compared with the program, and on a large machine it settles
// near 4: a provider-worker with 49 MiB of live objects grew to 250-310 MiB resident under load (mostly dead objects
// waiting for a full collection), past the 200 MB each service should stay under. A fixed, smaller factor collects
// sooner at the cost of more frequent full collections (measured in test/src/bench/RESULTS.md).

import { setFlagsFromString } from "node:v8";

/** Default growth of the old generation past the live heap before the next full collection, in percent. */
export const DEFAULT_HEAP_GROWING_PERCENT = 30;

/**
 * Applies `SWITCHYARD_HEAP_GROWING_PERCENT` (default 30; 0 leaves V8's own heuristic) unless node was started with
 * `--heap-growing-percent`. Returns the percentage in effect (0 for V8's heuristic), or an error message for a value
 * that is not a whole number from 0 to 1000.
 */
export function tuneHeap(
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[] = process.execArgv,
): { percent: number } | { error: string } {
  if (execArgv.some((arg) => arg.startsWith("--heap-growing-percent") || arg.startsWith("--heap_growing_percent"))) {
    return { percent: 0 };
  }
  const raw = env.SWITCHYARD_HEAP_GROWING_PERCENT?.trim();
  const percent = raw === undefined || raw === "" ? DEFAULT_HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000) {
    return { error: `SWITCHYARD_HEAP_GROWING_PERCENT: expected a whole number from 0 to 1000, got "${raw}"` };
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  return { percent };
}
