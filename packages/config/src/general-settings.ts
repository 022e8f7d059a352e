// `general_settings`: the master key, the request body limit, JWT auth and background health checks.
import { type Context, fail, warn } from "./context.js";
import { readJwtAuth } from "./jwt-auth.js";
import { keyPath } from "./paths.js";
import { readSecret } from "./secrets.js";
import type { BackgroundHealthChecks, GeneralSettings } from "./types.js";
import { field, isSet, readBoolean, readInteger, readNumber, withoutUndefined, type YamlMap } from "./values.js";

/** The request body limit when unset: 10 MiB. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/** LiteLLM's `max_request_size_mb` and the `max_request_body_size_mb` spelling; both in MiB as LiteLLM computes them. */
const MEGABYTE_KEYS = ["max_request_size_mb", "max_request_body_size_mb"];

/** Switchyard's own key, in bytes. */
const BYTES_KEY = "max_request_body_bytes";

function readBodyLimit(ctx: Context, general: YamlMap): number {
  const present = [BYTES_KEY, ...MEGABYTE_KEYS].filter((key) => isSet(field(general, key)));
  const [key, ...others] = present;
  if (key === undefined) return DEFAULT_MAX_REQUEST_BODY_BYTES;
  const path = keyPath("general_settings", key);
  if (others.length > 0) {
    return fail(ctx, path, `expected one body size limit, but ${others.join(" and ")} is also set`) ?? 0;
  }
  if (key === BYTES_KEY) return readInteger(ctx, field(general, key), path, 1) ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const megabytes = readNumber(ctx, field(general, key), path, { positive: true });
  return megabytes === undefined ? DEFAULT_MAX_REQUEST_BODY_BYTES : Math.max(1, Math.floor(megabytes * 1024 * 1024));
}

/** LiteLLM's default `health_check_interval`, in seconds. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 300;

/**
 * `background_health_checks` and `health_check_interval` (seconds, at least 1 so a typo cannot hammer every
 * upstream). Off by default, as in LiteLLM; an interval without the switch does nothing, which earns a warning.
 */
function readHealthChecks(ctx: Context, general: YamlMap): BackgroundHealthChecks | undefined {
  const enabledPath = keyPath("general_settings", "background_health_checks");
  const intervalPath = keyPath("general_settings", "health_check_interval");
  const enabled = readBoolean(ctx, field(general, "background_health_checks"), enabledPath) ?? false;
  const seconds = readNumber(ctx, field(general, "health_check_interval"), intervalPath, { min: 1 });
  if (!enabled) {
    if (seconds !== undefined) warn(ctx, intervalPath, "ignored without background_health_checks: true");
    return undefined;
  }
  return { intervalMs: Math.round((seconds ?? DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS) * 1000) };
}

/** Reads `general_settings`; the master key stays a reference, resolved by the service that checks it. */
export function readGeneralSettings(ctx: Context, general: YamlMap): GeneralSettings {
  return withoutUndefined({
    masterKey: readSecret(ctx, field(general, "master_key"), keyPath("general_settings", "master_key")),
    maxRequestBodyBytes: readBodyLimit(ctx, general),
    jwtAuth: readJwtAuth(ctx, general),
    allowRequestsOnDbUnavailable:
      readBoolean(
        ctx,
        field(general, "allow_requests_on_db_unavailable"),
        keyPath("general_settings", "allow_requests_on_db_unavailable"),
      ) ?? false,
    backgroundHealthChecks: readHealthChecks(ctx, general),
  });
}
