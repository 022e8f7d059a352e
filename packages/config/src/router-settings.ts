// Routing and resilience settings. LiteLLM reads most of them from `router_settings` and also from
// `litellm_settings`; when both set one, `router_settings` wins (LiteLLM's documented precedence).
import { type Context, fail, warn } from "./context.js";
import { readDefaultFallbacks, readFallbackRules } from "./fallbacks.js";
import type { ModelGroupNames } from "./model-list.js";
import { keyPath } from "./paths.js";
import { didYouMean } from "./suggest.js";
import { readExtraTimeouts, readModelGroupTimeouts } from "./timeouts.js";
import type { RouterSettings } from "./types.js";
import {
  field,
  isSet,
  readBoolean,
  readInteger,
  readMap,
  readNumber,
  readSecondsAsMs,
  readText,
  withoutUndefined,
  type YamlMap,
} from "./values.js";

/** Retries per request when unset: LiteLLM's DEFAULT_MAX_RETRIES and the OpenAI SDK's default. */
export const DEFAULT_NUM_RETRIES = 2;

/**
 * Per-attempt timeout when unset: 600 s, LiteLLM's documented router default ("10 minutes") and the OpenAI
 * SDK's. (LiteLLM's module-level `request_timeout` defaults to 6000 s, too long to hold a gateway connection.)
 */
export const DEFAULT_TIMEOUT_MS = 600_000;

/** The routing strategy when unset, as in LiteLLM. */
export const DEFAULT_ROUTING_STRATEGY = "simple-shuffle";

/** LiteLLM's routing strategies; the router decides which it implements, the loader only rejects typos. */
const ROUTING_STRATEGIES = [
  "simple-shuffle",
  "least-busy",
  "usage-based-routing",
  "usage-based-routing-v2",
  "latency-based-routing",
  "cost-based-routing",
];

interface Sections {
  readonly router: YamlMap;
  readonly litellm: YamlMap;
}

/** The raw value of a setting and its path: `router_settings.<key>`, else `litellm_settings.<litellmKey>`. */
function pick(ctx: Context, s: Sections, key: string, litellmKey: string | undefined = key) {
  const fromRouter = field(s.router, key);
  const fromLitellm = litellmKey === undefined ? undefined : field(s.litellm, litellmKey);
  if (isSet(fromRouter) && isSet(fromLitellm)) {
    warn(ctx, `litellm_settings.${litellmKey}`, `overridden by router_settings.${key}`);
  }
  if (isSet(fromRouter) || !isSet(fromLitellm)) return { raw: fromRouter, path: keyPath("router_settings", key) };
  return { raw: fromLitellm, path: keyPath("litellm_settings", litellmKey ?? key) };
}

/**
 * `routing_strategy_args.lowest_latency_buffer` (latency-based routing's tolerance band, a fraction >= 0). The other
 * arguments LiteLLM's strategies take (`ttl`, ...) are ignored with a warning.
 */
function readLatencyBuffer(ctx: Context, s: Sections): number | undefined {
  const { raw, path } = pick(ctx, s, "routing_strategy_args", undefined);
  if (!isSet(raw)) return undefined;
  const args = readMap(ctx, raw, path);
  if (!args) return undefined;
  for (const key of Object.keys(args)) {
    if (key !== "lowest_latency_buffer") warn(ctx, keyPath(path, key), "not supported by switchyard; ignored");
  }
  const buffer = field(args, "lowest_latency_buffer");
  return isSet(buffer) ? readNumber(ctx, buffer, keyPath(path, "lowest_latency_buffer"), { min: 0 }) : undefined;
}

function readStrategy(ctx: Context, s: Sections): string {
  const { raw, path } = pick(ctx, s, "routing_strategy", undefined);
  const strategy = readText(ctx, raw, path);
  if (strategy === undefined || ROUTING_STRATEGIES.includes(strategy)) return strategy ?? DEFAULT_ROUTING_STRATEGY;
  const expected = ROUTING_STRATEGIES.map((name) => `"${name}"`).join(", ");
  fail(ctx, path, `expected one of ${expected}, got "${strategy}"${didYouMean(strategy, ROUTING_STRATEGIES)}`);
  return DEFAULT_ROUTING_STRATEGY;
}

/**
 * `circuit_breaker` (Switchyard's): `error_threshold_percentage` (1 to 100), `volume_threshold` (failures counted
 * before the breaker may open), `window` and `reset_timeout` (seconds). Unset ones keep their defaults, which
 * `allowed_fails` and `cooldown_time` set as in LiteLLM.
 */
function readBreaker(ctx: Context, s: Sections): RouterSettings["circuitBreaker"] {
  const { raw, path } = pick(ctx, s, "circuit_breaker", undefined);
  if (!isSet(raw)) return undefined;
  const map = readMap(ctx, raw, path);
  if (!map) return undefined;
  const keys = ["error_threshold_percentage", "volume_threshold", "window", "reset_timeout"];
  for (const key of Object.keys(map)) {
    if (!keys.includes(key)) {
      fail(ctx, keyPath(path, key), `unknown setting; expected one of ${keys.join(", ")}${didYouMean(key, keys)}`);
    }
  }
  const at = (key: string) => keyPath(path, key);
  const percentage = field(map, "error_threshold_percentage");
  const volume = field(map, "volume_threshold");
  return withoutUndefined({
    errorThresholdPercentage: isSet(percentage)
      ? readNumber(ctx, percentage, at("error_threshold_percentage"), { positive: true, max: 100 })
      : undefined,
    volumeThreshold: isSet(volume) ? readInteger(ctx, volume, at("volume_threshold"), 1) : undefined,
    windowMs: readSecondsAsMs(ctx, field(map, "window"), at("window")),
    resetTimeoutMs: readSecondsAsMs(ctx, field(map, "reset_timeout"), at("reset_timeout")),
  });
}

/** Reads the router settings from both sections, checking fallbacks against the declared model groups. */
export function readRouterSettings(ctx: Context, s: Sections, groups: ModelGroupNames): RouterSettings {
  const get = (key: string, litellmKey?: string | undefined) => pick(ctx, s, key, litellmKey ?? key);
  const fallbacks = (key: string) => {
    const { raw, path } = get(key);
    return readFallbackRules(ctx, raw, path, groups);
  };
  const retries = get("num_retries");
  const timeout = get("timeout", "request_timeout");
  const streamTimeout = pick(ctx, s, "stream_timeout", undefined);
  const allowedFails = get("allowed_fails");
  const cooldown = pick(ctx, s, "cooldown_time", undefined);
  const defaults = get("default_fallbacks");
  const tagFiltering = pick(ctx, s, "enable_tag_filtering", undefined);
  const retryAfter = pick(ctx, s, "retry_after", undefined);
  return withoutUndefined({
    routingStrategy: readStrategy(ctx, s),
    tagFiltering: readBoolean(ctx, tagFiltering.raw, tagFiltering.path) ?? false,
    latencyBuffer: readLatencyBuffer(ctx, s),
    retryAfterSeconds: readNumber(ctx, retryAfter.raw, retryAfter.path, { min: 0, max: 60 }),
    numRetries: readInteger(ctx, retries.raw, retries.path) ?? DEFAULT_NUM_RETRIES,
    timeoutMs: readSecondsAsMs(ctx, timeout.raw, timeout.path) ?? DEFAULT_TIMEOUT_MS,
    streamTimeoutMs: readSecondsAsMs(ctx, streamTimeout.raw, streamTimeout.path),
    ...readExtraTimeouts(ctx, s.router),
    modelGroupTimeouts: readModelGroupTimeouts(ctx, s.router, groups),
    fallbacks: fallbacks("fallbacks"),
    contextWindowFallbacks: fallbacks("context_window_fallbacks"),
    contentPolicyFallbacks: fallbacks("content_policy_fallbacks"),
    defaultFallbacks: readDefaultFallbacks(ctx, defaults.raw, defaults.path, groups),
    allowedFails: readInteger(ctx, allowedFails.raw, allowedFails.path),
    cooldownTimeSeconds: readNumber(ctx, cooldown.raw, cooldown.path),
    circuitBreaker: readBreaker(ctx, s),
  });
}
