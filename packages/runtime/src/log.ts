import { type DestinationStream, type Logger, pino } from "pino";
import { activeTraceIds, NO_TRACE_IDS } from "./tracing.js";

export type { Logger };

/** Field names that hold credentials wherever they appear. */
const SECRET_FIELDS = [
  "authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "cookie",
  "apiKey",
  "api_key",
  "credential",
  "credentials",
  "masterKey",
  "master_key",
  "keyHashSecret",
  "password",
  "secret",
  "accessToken",
  "access_token",
] as const;

/** The objects a log line may carry credentials inside: request headers, attempt contexts, options and settings. */
const CONTAINERS = ["headers", "req.headers", "request.headers", "ctx", "attempt", "options", "settings", "config"];

const path = (prefix: string, name: string) =>
  /^[A-Za-z_]+$/.test(name) ? `${prefix}${prefix ? "." : ""}${name}` : `${prefix}["${name}"]`;

/**
 * Paths pino replaces with "[redacted]" in every log line: the credential fields at the top level and inside the
 * usual containers. A second line of defence: code never logs them. Explicit paths only: pino's wildcard paths
 * (`*.authorization`) cost about 20 µs per line, explicit ones nothing measurable (test/src/bench/tracing.ts).
 */
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_FIELDS.map((name) => path("", name)),
  ...CONTAINERS.flatMap((container) => SECRET_FIELDS.map((name) => path(container, name))),
];

/**
 * Creates the structured JSON logger of a service. Level from LOG_LEVEL (default info). Credentials are
 * redacted by path as a second line of defence; code never logs them in the first place. While tracing is on, every
 * line written inside a traced request carries its `traceId` and `spanId`.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceIds,
    // pino's default strategy assigns into the mixin's object, which must not happen to the shared empty one.
    mixinMergeStrategy: (fields, ids) => (ids === NO_TRACE_IDS ? fields : Object.assign(ids, fields)),
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
  } satisfies pino.LoggerOptions;
  return destination ? pino(options, destination) : pino(options);
}
