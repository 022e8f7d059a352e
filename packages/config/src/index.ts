// The public API of @switchyard/config.
export type { Env } from "./context.js";
export { ConfigError, type ConfigIssue } from "./errors.js";
export { DEFAULT_MAX_REQUEST_BODY_BYTES } from "./general-settings.js";
export {
  DEFAULT_JWT_ALGORITHMS,
  DEFAULT_JWT_CLOCK_SKEW_SECONDS,
  MAX_JWT_CLOCK_SKEW_SECONDS,
} from "./jwt-auth.js";
export { loadConfig, type ParseOptions, parseConfig } from "./load.js";
export { UNSUPPORTED_PROVIDERS } from "./providers.js";
export { DEFAULT_NUM_RETRIES, DEFAULT_ROUTING_STRATEGY, DEFAULT_TIMEOUT_MS } from "./router-settings.js";
export { resolveSecret } from "./secrets.js";
export { DEFAULT_CONNECT_TIMEOUT_MS, type Timeouts, timeoutsFor } from "./timeouts.js";
export * from "./types.js";
