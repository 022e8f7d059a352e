import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Creates the structured JSON logger of a service. Level from LOG_LEVEL (default info). Credentials are
 * redacted by path as a second line of defence; code never logs them in the first place.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        "authorization",
        "*.authorization",
        "apiKey",
        "*.apiKey",
        "api_key",
        "*.api_key",
        "credential",
        "*.credential",
        "masterKey",
        "*.masterKey",
      ],
      censor: "[redacted]",
    },
  });
}
