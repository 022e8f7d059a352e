// Helpers for the loader's tests; not part of the public API.
import assert from "node:assert/strict";
import { ConfigError } from "./errors.js";
import { parseConfig } from "./load.js";
import type { GatewayConfig } from "./types.js";

/** Strips the common indentation of a template literal, so tests can write YAML indented with the code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, "");
  const lines = text.split("\n");
  const indents = lines.filter((line) => line.trim() !== "").map((line) => line.length - line.trimStart().length);
  const indent = Math.min(...indents);
  return lines.map((line) => line.slice(indent)).join("\n");
}

/** Parses `text` reading non-secret `os.environ/` fields from `env` only, so no test depends on the machine. */
export function load(text: string, env: Record<string, string> = {}): GatewayConfig {
  return parseConfig(text, "config", { env });
}

/** The message of the `ConfigError` that parsing `text` throws; fails on success or on any other error. */
export function errorOf(text: string, env: Record<string, string> = {}): string {
  try {
    load(text, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected parsing to fail");
}

/** The warning messages of a parsed config, in order. */
export function warningsOf(config: GatewayConfig): string[] {
  return config.warnings.map((w) => w.message);
}

/** A config with one deployment whose `litellm_params` lines are `params` (already indented by 6 spaces). */
export function withParams(...params: string[]): string {
  return ["model_list:", "  - model_name: m", "    litellm_params:", ...params.map((p) => `      ${p}`)].join("\n");
}
