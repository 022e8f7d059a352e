// The mock provider's settings, read from a deployment's `litellm_params` (Deployment.params). The
// names and ranges match the validation in @switchyard/config (mock.ts); this re-reads them defensively.

/** How a mock deployment behaves; every field has a default so `provider: mock` alone works. */
export interface MockParams {
  /** `mock_response`: the fixed answer; default is a sentence echoing the last user message. */
  readonly response?: string;
  /**
   * `mock_latency_ms`: delay before a non-streamed answer, and between a stream's content chunks (as
   * @switchyard/config documents the parameter); default 0.
   */
  readonly latencyMs: number;
  /** `mock_ttft_ms`: delay before a stream's first chunk; default 0. */
  readonly ttftMs: number;
  /** `mock_chunks`: content chunks per stream (at least 1); default 8. */
  readonly chunks: number;
  /** `mock_failure_rate`: probability in [0, 1] that a call fails, drawn with Math.random; default 0. */
  readonly failureRate: number;
  /** `mock_failure_status`: the upstream HTTP status a failure imitates; default 500. */
  readonly failureStatus: number;
}

/** Default number of content chunks in a mock stream. */
export const DEFAULT_MOCK_CHUNKS = 8;

function num(params: Readonly<Record<string, unknown>>, key: string, fallback: number, min = 0, max = Infinity) {
  const raw = params[key];
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Reads the mock settings; absent or non-numeric values take the defaults, numbers are clamped. */
export function mockParams(params: Readonly<Record<string, unknown>>): MockParams {
  const response = params.mock_response;
  return {
    ...(typeof response === "string" ? { response } : {}),
    latencyMs: num(params, "mock_latency_ms", 0),
    ttftMs: num(params, "mock_ttft_ms", 0),
    chunks: Math.floor(num(params, "mock_chunks", DEFAULT_MOCK_CHUNKS, 1, 10_000)),
    failureRate: num(params, "mock_failure_rate", 0, 0, 1),
    failureStatus: Math.floor(num(params, "mock_failure_status", 500, 400, 599)),
  };
}
