// `os.environ/NAME` references, as LiteLLM writes them. Secret fields keep the reference and resolve it
// later; other fields (api_base, rpm ...) resolve it while loading, as LiteLLM does.
import { type Context, type Env, fail } from "./context.js";

/** The prefix that turns a string into an environment variable reference. */
export const ENV_PREFIX = "os.environ/";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variable named by an `os.environ/NAME` string, `""` when the name is malformed, or undefined for any other value. */
export function envReference(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.startsWith(ENV_PREFIX)) return undefined;
  const name = value.slice(ENV_PREFIX.length).trim();
  return ENV_NAME.test(name) ? name : "";
}

/** The value of variable `name`, or the lowercase reason it cannot be used (unset or empty). */
export function lookupEnv(env: Env, name: string): { readonly value: string } | { readonly reason: string } {
  const value = env[name];
  if (value === undefined) return { reason: `environment variable ${name} is not set` };
  if (value === "") return { reason: `environment variable ${name} is empty` };
  return { value };
}

/**
 * `raw` with an `os.environ/NAME` reference replaced by the variable's value; for non-secret fields only.
 * Reports an unset variable or a malformed name at `path` and returns undefined; other values pass through.
 */
export function resolvePlain(ctx: Context, raw: unknown, path: string): unknown {
  const name = envReference(raw);
  if (name === undefined) return raw;
  if (name === "") return fail(ctx, path, "expected os.environ/NAME with a valid environment variable name");
  const found = lookupEnv(ctx.env, name);
  return "value" in found ? found.value : fail(ctx, path, found.reason);
}
