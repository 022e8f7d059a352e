// Parameters of the `mock` provider, which answers without calling anyone (for tests, demos and load tests).
import { type Context, fail, warn } from "./context.js";
import { didYouMean } from "./suggest.js";
import { readInteger, readNumber } from "./values.js";

type Reader = (ctx: Context, raw: unknown, path: string) => unknown;

/** Longest simulated delay, matching the default request timeout: a mock slower than that only times out. */
const MAX_DELAY_MS = 600_000;

/** The `mock_*` parameters and how each is validated; all are optional. */
const MOCK_PARAMS: Readonly<Record<string, Reader>> = {
  /** Text of the answer (or of every streamed answer). */
  mock_response: (ctx, raw, path) =>
    typeof raw === "string" ? raw : fail(ctx, path, "expected a string (the text the mock answers with)"),
  /** Delay before the whole answer (or between stream chunks). */
  mock_latency_ms: (ctx, raw, path) => readNumber(ctx, raw, path, { max: MAX_DELAY_MS }),
  /** Delay before the first streamed chunk. */
  mock_ttft_ms: (ctx, raw, path) => readNumber(ctx, raw, path, { max: MAX_DELAY_MS }),
  /** Number of chunks a streamed answer is split into. */
  mock_chunks: (ctx, raw, path) => readInteger(ctx, raw, path, 1, 10_000),
  /** Fraction of calls that fail, from 0 to 1. */
  mock_failure_rate: (ctx, raw, path) => readNumber(ctx, raw, path, { max: 1 }),
  /** HTTP status of a simulated failure. */
  mock_failure_status: (ctx, raw, path) => readInteger(ctx, raw, path, 400, 599),
};

/** True for a parameter name reserved for the mock provider. */
export function isMockParam(key: string): boolean {
  return key.startsWith("mock_");
}

/**
 * Validates one `mock_*` parameter of a mock deployment and returns its value, or undefined when it is
 * invalid (reported as an error) or unknown (reported as a warning and dropped).
 */
export function readMockParam(ctx: Context, key: string, raw: unknown, path: string): unknown {
  const reader = Object.hasOwn(MOCK_PARAMS, key) ? MOCK_PARAMS[key] : undefined;
  if (reader === undefined) {
    warn(ctx, path, `not a parameter of the mock provider; ignored${didYouMean(key, Object.keys(MOCK_PARAMS))}`);
    return undefined;
  }
  if (raw === null || raw === undefined) return undefined;
  return reader(ctx, raw, path);
}
