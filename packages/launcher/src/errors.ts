import { processLabel, type ServiceName } from "./plan.js";

/** How many log lines a start failure quotes in its message; the full tail is in `logs`. */
const QUOTED_LINES = 40;

/** A process of the mesh exited or never became ready while the mesh was starting. */
export class MeshStartError extends Error {
  override readonly name = "MeshStartError";

  constructor(
    readonly service: ServiceName,
    readonly index: number,
    /** Why it failed, lowercase: `exited with code 1`, `not ready after 20000 ms`. */
    readonly reason: string,
    /** Exit code, or null when it was killed by a signal or is still running. */
    readonly exitCode: number | null,
    /** The last lines it wrote to stdout and stderr. */
    readonly logs: string,
  ) {
    super(formatStartFailure(service, index, reason, logs));
  }
}

/** A port the caller asked for explicitly is already bound by another process. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";

  constructor(
    /** The `MeshOptions` field that asked for it: `restPort` or `grpcPort`. */
    readonly option: "restPort" | "grpcPort",
    readonly port: number,
  ) {
    super(`expected port ${port} (${option}) to be free, but another process is listening on it`);
  }
}

/** Formats a start failure: who failed, why, and the tail of what it logged. */
export function formatStartFailure(service: ServiceName, index: number, reason: string, logs: string): string {
  const who = processLabel(service, index);
  const lines = logs.split("\n").filter((l) => l !== "");
  if (lines.length === 0) return `${who} ${reason}; it wrote no output`;
  const tail = lines.slice(-QUOTED_LINES);
  const skipped = lines.length - tail.length;
  const header = skipped > 0 ? `last ${tail.length} of ${lines.length} log lines` : "log";
  return `${who} ${reason}\n--- ${who} ${header} ---\n${tail.join("\n")}`;
}
