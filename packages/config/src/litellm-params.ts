// `litellm_params` of one deployment: typed fields, then every other key into `params` (never credentials).
import { type Context, fail, warn } from "./context.js";
import { resolvePlain } from "./env.js";
import { isMockParam, readMockParam } from "./mock.js";
import { keyPath } from "./paths.js";
import { isSecretName, readSecret } from "./secrets.js";
import type { Deployment, ProviderId, SecretRef } from "./types.js";
import {
  checkJson,
  describe,
  field,
  isSet,
  readInteger,
  readNumber,
  readSecondsAsMs,
  readStringList,
  readText,
  type YamlMap,
} from "./values.js";

/** What a deployment takes from `litellm_params` besides the model. */
export type ParamFields = Pick<
  Deployment,
  | "apiBase"
  | "apiKey"
  | "apiVersion"
  | "organization"
  | "rpm"
  | "tpm"
  | "weight"
  | "timeoutMs"
  | "streamTimeoutMs"
  | "maxRetries"
  | "tags"
  | "workerPool"
  | "credentials"
  | "params"
>;

/** Keys read into typed fields or used to route the model; every other key goes to `params`. */
const TYPED_KEYS: ReadonlySet<string> = new Set([
  "model",
  "custom_llm_provider",
  "api_base",
  "base_url",
  "api_key",
  "api_version",
  "organization",
  "rpm",
  "tpm",
  "weight",
  "timeout",
  "stream_timeout",
  "max_retries",
  "tags",
  "worker_pool",
]);

/** A worker pool's name: it also names the router's environment variables (`SWITCHYARD_WORKER_POOL_<NAME>_*`). */
const POOL_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** `worker_pool` (Switchyard's): the named pool of provider workers that calls this deployment. */
function readWorkerPool(ctx: Context, raw: unknown, at: string): string | undefined {
  const name = readText(ctx, raw, at);
  if (name === undefined || POOL_NAME.test(name)) return name;
  return fail(ctx, at, `expected a pool name of lowercase letters, digits and "-" (at most 40), got ${describe(name)}`);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** `api_base`, or LiteLLM's alias `base_url`; dropping either would silently call the provider's default host. */
function readApiBase(ctx: Context, map: YamlMap, path: string): string | undefined {
  const hasUrl = isSet(field(map, "base_url"));
  if (hasUrl && isSet(field(map, "api_base"))) {
    return fail(ctx, keyPath(path, "base_url"), "expected either api_base or base_url, not both");
  }
  const key = hasUrl ? "base_url" : "api_base";
  const at = keyPath(path, key);
  const url = readText(ctx, field(map, key), at);
  if (url === undefined) return undefined;
  return isHttpUrl(url) ? url : fail(ctx, at, `expected an http or https URL, got ${describe(url)}`);
}

function readExtraParam(ctx: Context, key: string, raw: unknown, at: string, provider: ProviderId): unknown {
  if (isSecretName(key)) return undefined;
  if (isMockParam(key)) {
    if (provider === "mock") return readMockParam(ctx, key, raw, at);
    warn(ctx, at, "only the mock provider reads mock_* parameters; ignored");
    return undefined;
  }
  const value = resolvePlain(ctx, raw, at);
  return isSet(value) && checkJson(ctx, value, at) ? value : undefined;
}

function readExtraParams(ctx: Context, map: YamlMap, path: string, provider: ProviderId): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(map)) {
    if (TYPED_KEYS.has(key)) continue;
    const value = readExtraParam(ctx, key, raw, keyPath(path, key), provider);
    if (value !== undefined) params[key] = value;
  }
  return params;
}

/**
 * Credentials other than `api_key` (`aws_secret_access_key`, `vertex_credentials`, `azure_ad_token` ...), by their
 * LiteLLM names: kept as references, like `api_key`, for the adapter that reads them; never in `params`.
 */
function readCredentials(ctx: Context, map: YamlMap, path: string): Record<string, SecretRef> | undefined {
  const out: Record<string, SecretRef> = {};
  for (const [key, raw] of Object.entries(map)) {
    if (key === "api_key" || TYPED_KEYS.has(key) || !isSecretName(key)) continue;
    const ref = readSecret(ctx, raw, keyPath(path, key));
    if (ref) out[key] = ref;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Reads every field of `litellm_params` at `path` except the model, for a deployment of `provider`. */
export function readParamFields(ctx: Context, map: YamlMap, path: string, provider: ProviderId): ParamFields {
  const at = (key: string) => keyPath(path, key);
  return {
    apiBase: readApiBase(ctx, map, path),
    apiKey: readSecret(ctx, field(map, "api_key"), at("api_key")),
    apiVersion: readText(ctx, field(map, "api_version"), at("api_version")),
    organization: readText(ctx, field(map, "organization"), at("organization")),
    rpm: readInteger(ctx, field(map, "rpm"), at("rpm")),
    tpm: readInteger(ctx, field(map, "tpm"), at("tpm")),
    weight: readNumber(ctx, field(map, "weight"), at("weight"), { positive: true }) ?? 1,
    timeoutMs: readSecondsAsMs(ctx, field(map, "timeout"), at("timeout")),
    streamTimeoutMs: readSecondsAsMs(ctx, field(map, "stream_timeout"), at("stream_timeout")),
    maxRetries: readInteger(ctx, field(map, "max_retries"), at("max_retries")),
    tags: readStringList(ctx, field(map, "tags"), at("tags")) ?? [],
    workerPool: readWorkerPool(ctx, field(map, "worker_pool"), at("worker_pool")),
    credentials: readCredentials(ctx, map, path),
    params: readExtraParams(ctx, map, path, provider),
  };
}
