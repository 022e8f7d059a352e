// The timeout model: five limits per model group, read from `router_settings` (LiteLLM's `timeout` and
// `stream_timeout`, plus Switchyard's `connect_timeout`, `first_token_timeout` and `total_timeout`) and overridable
// per group under `router_settings.model_group_timeouts`. See docs/routing.md#timeouts.
import { type Context, fail } from "./context.js";
import { matchesGroup } from "./fallbacks.js";
import type { ModelGroupNames } from "./model-list.js";
import { keyPath } from "./paths.js";
import { didYouMean } from "./suggest.js";
import type { Deployment, GroupTimeouts, RouterSettings } from "./types.js";
import { field, isSet, readMap, readSecondsAsMs, withoutUndefined, type YamlMap } from "./values.js";

/** The TCP and TLS connect timeout when unset: 10 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The keys of a timeout block, in `router_settings` and under each `model_group_timeouts` group. */
const TIMEOUT_KEYS = {
  timeout: "attemptMs",
  stream_timeout: "idleMs",
  connect_timeout: "connectMs",
  first_token_timeout: "firstTokenMs",
  total_timeout: "totalMs",
} as const satisfies Record<string, keyof GroupTimeouts>;

/** Reads the timeout keys (all, or `only`) present in `map` (at `path`); unknown keys are left to the caller. */
function readBlock(ctx: Context, map: YamlMap, path: string, only?: readonly string[]): GroupTimeouts {
  const out: Record<string, number | undefined> = {};
  for (const [key, name] of Object.entries(TIMEOUT_KEYS)) {
    if (only && !only.includes(key)) continue;
    const raw = field(map, key);
    if (isSet(raw)) out[name] = readSecondsAsMs(ctx, raw, keyPath(path, key));
  }
  return withoutUndefined(out) as GroupTimeouts;
}

/** `router_settings.connect_timeout`, `first_token_timeout` and `total_timeout` (seconds). */
export function readExtraTimeouts(ctx: Context, router: YamlMap) {
  const only = ["connect_timeout", "first_token_timeout", "total_timeout"];
  const { connectMs, firstTokenMs, totalMs } = readBlock(ctx, router, "router_settings", only);
  return withoutUndefined({ connectTimeoutMs: connectMs, firstTokenTimeoutMs: firstTokenMs, totalTimeoutMs: totalMs });
}

/** `router_settings.model_group_timeouts`: `{<model group>: {timeout, stream_timeout, connect_timeout, ...}}`. */
export function readModelGroupTimeouts(
  ctx: Context,
  router: YamlMap,
  groups: ModelGroupNames,
): Readonly<Record<string, GroupTimeouts>> | undefined {
  const path = keyPath("router_settings", "model_group_timeouts");
  const raw = field(router, "model_group_timeouts");
  if (!isSet(raw)) return undefined;
  const map = readMap(ctx, raw, path);
  if (!map) return undefined;
  const out: Record<string, GroupTimeouts> = {};
  const known = [...groups.served, ...groups.skipped];
  for (const [group, value] of Object.entries(map)) {
    const groupPath = keyPath(path, group);
    if (!known.some((pattern) => matchesGroup(pattern, group))) {
      fail(ctx, groupPath, `unknown model group "${group}"${didYouMean(group, known)}`);
      continue;
    }
    const block = readMap(ctx, value, groupPath);
    if (!block) continue;
    for (const key of Object.keys(block)) {
      if (key in TIMEOUT_KEYS) continue;
      const expected = Object.keys(TIMEOUT_KEYS);
      fail(
        ctx,
        keyPath(groupPath, key),
        `unknown timeout; expected one of ${expected.join(", ")}${didYouMean(key, expected)}`,
      );
    }
    out[group] = readBlock(ctx, block, groupPath);
  }
  return out;
}

/** The five limits that apply to one attempt of a model group, all resolved. */
export interface Timeouts {
  /** TCP and TLS connect to the upstream. */
  readonly connectMs: number;
  /** One attempt: a whole non-streamed answer; for a stream, the wait for its first chunk is `firstTokenMs`. */
  readonly attemptMs: number;
  /** A streamed attempt's wait for its first chunk. */
  readonly firstTokenMs: number;
  /** A streamed attempt's longest silence between two chunks. */
  readonly idleMs: number;
  /** The whole request (every attempt and fallback, and the full stream); undefined when there is no such cap. */
  readonly totalMs: number | undefined;
}

/**
 * Resolves the limits for `group` (and, when given, one of its deployments). Most specific wins: the deployment's
 * `litellm_params.timeout`/`stream_timeout`, then `model_group_timeouts.<group>`, then `router_settings`.
 * `first_token_timeout` defaults to `timeout`, `stream_timeout` to `timeout`, and `connect_timeout` to 10 s (never
 * more than `timeout`).
 */
export function timeoutsFor(settings: RouterSettings, group: string, deployment?: Deployment): Timeouts {
  const forGroup = settings.modelGroupTimeouts?.[group] ?? wildcardTimeouts(settings, group);
  const attemptMs = deployment?.timeoutMs ?? forGroup?.attemptMs ?? settings.timeoutMs;
  return {
    attemptMs,
    firstTokenMs: forGroup?.firstTokenMs ?? settings.firstTokenTimeoutMs ?? attemptMs,
    idleMs: deployment?.streamTimeoutMs ?? forGroup?.idleMs ?? settings.streamTimeoutMs ?? attemptMs,
    connectMs: Math.min(forGroup?.connectMs ?? settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, attemptMs),
    totalMs: forGroup?.totalMs ?? settings.totalTimeoutMs,
  };
}

/** The block of the first wildcard group (`anthropic/*`) matching `group`, for requests routed by pattern. */
function wildcardTimeouts(settings: RouterSettings, group: string): GroupTimeouts | undefined {
  const all = settings.modelGroupTimeouts;
  if (!all) return undefined;
  for (const [pattern, block] of Object.entries(all)) {
    if (pattern.includes("*") && matchesGroup(pattern, group)) return block;
  }
  return undefined;
}
