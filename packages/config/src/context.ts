// The state one parse collects: errors, warnings and the environment `os.environ/` fields read from.
import type { ConfigIssue } from "./errors.js";
import type { ConfigWarning } from "./types.js";

/** Environment variables as the loader reads them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What one parse has found so far; readers append to it and return `undefined` for an invalid value. */
export interface Context {
  readonly env: Env;
  readonly issues: ConfigIssue[];
  readonly warnings: ConfigWarning[];
}

/** A fresh context reading non-secret `os.environ/` fields from `env`. */
export function createContext(env: Env): Context {
  return { env, issues: [], warnings: [] };
}

/** Records an error at `path` and returns `undefined`, so a reader can `return fail(...)`. */
export function fail(ctx: Context, path: string, reason: string): undefined {
  ctx.issues.push({ path, reason });
  return undefined;
}

/** Records a warning at `path`; `reason` must never contain a secret value. */
export function warn(ctx: Context, path: string, reason: string): void {
  ctx.warnings.push({ path, message: path === "" ? reason : `${path}: ${reason}` });
}
