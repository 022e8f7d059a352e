// Secret fields (api_key, master_key). They stay references until a service needs them, so a config loads
// on machines that lack some credentials, and no secret value ever reaches a message.
import { type Context, type Env, fail, warn } from "./context.js";
import { envReference, lookupEnv } from "./env.js";
import { ConfigError } from "./errors.js";
import type { SecretRef } from "./types.js";
import { isSet, kindOf } from "./values.js";

/** Parameter names that hold credentials; they are never copied into a deployment's `params`. */
const SECRET_NAME = /(^|_)(api_?key|key|secret|password|passwd|token|credentials?|access_key(_id)?)($|_)/i;

/** Pricing parameters such as `input_cost_per_token` mention tokens but hold no credential. */
const PRICING_NAME = /(^|_)(cost|price|per)($|_)/i;

/** True when a parameter name looks like it holds a credential (`aws_secret_access_key`, `vertex_credentials` ...). */
export function isSecretName(key: string): boolean {
  return SECRET_NAME.test(key) && !PRICING_NAME.test(key);
}

/**
 * Reads a secret field: `os.environ/NAME` becomes `{ env: NAME }` (not resolved here); a literal is accepted
 * as `{ value }` with a warning that never repeats it. Errors describe the value's kind, never the value.
 */
export function readSecret(ctx: Context, raw: unknown, path: string): SecretRef | undefined {
  if (!isSet(raw)) return undefined;
  if (typeof raw !== "string") return fail(ctx, path, `expected a string, got ${kindOf(raw)}`);
  const name = envReference(raw);
  if (name === "") return fail(ctx, path, "expected os.environ/NAME with a valid environment variable name");
  if (name !== undefined) return { env: name };
  if (raw.trim() === "") return fail(ctx, path, "expected a non-empty string");
  warn(ctx, path, "plain-text secret in the config file; use os.environ/NAME instead");
  return { value: raw };
}

/**
 * The secret's value: the literal, or the named environment variable read from `env`. Throws a
 * `ConfigError` whose message is `<path>: environment variable NAME is not set` (or `is empty`).
 */
export function resolveSecret(ref: SecretRef, env: Env = process.env, path?: string): string {
  if ("value" in ref) return ref.value;
  const found = lookupEnv(env, ref.env);
  if ("value" in found) return found.value;
  throw new ConfigError([{ path: path ?? "", reason: found.reason }]);
}
