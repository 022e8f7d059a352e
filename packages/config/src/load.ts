// Entry points: LiteLLM-shaped YAML in, a validated GatewayConfig out, or one ConfigError listing every problem.
import { readFileSync } from "node:fs";
import { type Context, createContext, type Env, fail } from "./context.js";
import { ConfigError } from "./errors.js";
import { readGeneralSettings } from "./general-settings.js";
import { readModelList } from "./model-list.js";
import { readRouterSettings } from "./router-settings.js";
import { checkKeys, GENERAL_KEYS, type KeySpec, LITELLM_KEYS, ROOT_KEYS, ROUTER_KEYS } from "./sections.js";
import type { GatewayConfig } from "./types.js";
import { describe, field, isMap, readBoolean, readMap, type YamlMap } from "./values.js";
import { parseYaml } from "./yaml.js";

/** How to parse: `env` is where non-secret `os.environ/NAME` fields (such as `api_base`) are read from. */
export interface ParseOptions {
  /** Defaults to `process.env`. Secrets are never read here; `resolveSecret` reads them when needed. */
  readonly env?: Env;
}

function readSection(ctx: Context, root: YamlMap, key: string, spec: KeySpec): YamlMap {
  const section = readMap(ctx, field(root, key), key) ?? {};
  checkKeys(ctx, section, key, spec);
  return section;
}

function readRoot(ctx: Context, root: unknown): GatewayConfig | undefined {
  if (!isMap(root)) {
    return fail(ctx, "", `expected a map of settings such as model_list and router_settings, got ${describe(root)}`);
  }
  checkKeys(ctx, root, "", ROOT_KEYS);
  const litellm = readSection(ctx, root, "litellm_settings", LITELLM_KEYS);
  const router = readSection(ctx, root, "router_settings", ROUTER_KEYS);
  const general = readSection(ctx, root, "general_settings", GENERAL_KEYS);
  const models = readModelList(ctx, field(root, "model_list"));
  return {
    deployments: models.deployments,
    router: readRouterSettings(ctx, { router, litellm }, models.groups),
    general: readGeneralSettings(ctx, general),
    dropParams: readBoolean(ctx, field(litellm, "drop_params"), "litellm_settings.drop_params") ?? false,
    warnings: ctx.warnings,
  };
}

/**
 * Parses a LiteLLM proxy `config.yaml` (YAML 1.1, as PyYAML reads it) into a validated `GatewayConfig`.
 * Throws a `ConfigError` listing every problem as `<source>: <path>: <reason>`; never any other error.
 * Secrets stay `SecretRef`s; other `os.environ/NAME` fields are resolved from `options.env`.
 */
export function parseConfig(text: string, source = "config", options: ParseOptions = {}): GatewayConfig {
  const root = parseYaml(text, source);
  const ctx = createContext(options.env ?? process.env);
  const config = readRoot(ctx, root);
  if (config === undefined || ctx.issues.length > 0) throw new ConfigError(ctx.issues, source);
  return config;
}

/** Reads and parses the config file at `path`; an unreadable file is a `ConfigError` too. */
export function loadConfig(path: string, options: ParseOptions = {}): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unknown error";
    throw new ConfigError([{ path: "", reason: `cannot read the file (${code})` }], path, { cause: err });
  }
  return parseConfig(text, path, options);
}
