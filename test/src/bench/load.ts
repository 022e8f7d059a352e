// The load generator: `concurrency` closed-loop clients on one undici Pool (one keep-alive connection each)
// POST chat completions for a warm-up, whose results are dropped, then for a measured duration or count.
// It runs inside the calling process (the bench process), so its CPU shares the machine with the targets.

import { performance } from "node:perf_hooks";
import { Pool } from "undici";

/** An OpenAI-compatible endpoint to load. */
export interface Target {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Request path, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Headers sent with every request (authorization, gateway routing headers). */
  readonly headers: Readonly<Record<string, string>>;
  /** The `model` field of the body. */
  readonly model: string;
}

/** One load run. */
export interface LoadOptions {
  readonly stream: boolean;
  readonly concurrency: number;
  /** Measured duration; the run also stops after `maxRequests` measured requests when that is set. */
  readonly durationMs: number;
  readonly maxRequests?: number;
  /** Unmeasured requests before, to open connections and warm JIT and caches; default 1000 ms. */
  readonly warmupMs?: number;
  /** Called between the warm-up and the measured part, e.g. to take a CPU snapshot. */
  readonly onMeasureStart?: () => void;
}

/** Latency percentiles in milliseconds. */
export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** What one load run measured. */
export interface LoadResult {
  /** Successful measured requests. */
  readonly requests: number;
  readonly errors: number;
  /** Status and body (or exception) of the first failure, to say why a run failed. */
  readonly firstError?: string;
  /** Measured wall time in seconds, from the first measured request to the end of the last one. */
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Non-stream: until the whole response was read; stream: until `data: [DONE]` and the end. */
  readonly total: Summary;
  /** Stream only: until the first byte of the first `data:` event arrived. */
  readonly ttft?: Summary;
  /** Every measured total latency (ms), for percentiles over several runs. */
  readonly latencies: readonly number[];
}

/** The chat request every run sends: a short, realistic conversation. */
export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a helpful assistant. Answer briefly." },
      { role: "user", content: "Say hello and offer to help, in one short sentence." },
    ],
    max_tokens: 64,
    temperature: 0.2,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** Nearest-rank percentiles of latencies in milliseconds. */
export function summarize(values: number[]): Summary {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, mean: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), mean: sum / sorted.length, max: rank(1) };
}

interface Sample {
  ok: boolean;
  error?: string;
  total: number;
  ttft: number;
}

const DATA = Buffer.from("data:");
const DONE = "data: [DONE]";

/** Reads an SSE body: the time its first `data:` byte arrived and whether it ended with `[DONE]`. */
async function readStream(body: AsyncIterable<Buffer>, start: number): Promise<{ ttft: number; done: boolean }> {
  let ttft = Number.NaN;
  let tail = "";
  for await (const part of body) {
    if (Number.isNaN(ttft)) {
      // A `data:` split across two reads is found in the joined tail of the previous read and this one.
      if (part.includes(DATA) || (tail + part.subarray(0, 4).toString("latin1")).includes("data:")) {
        ttft = performance.now() - start;
      }
    }
    tail = (tail + part.toString("latin1")).slice(-32);
  }
  return { ttft, done: tail.includes(DONE) };
}

async function once(pool: Pool, target: Target, body: string, stream: boolean): Promise<Sample> {
  const start = performance.now();
  try {
    const res = await pool.request({
      method: "POST",
      path: target.path,
      headers: { "content-type": "application/json", ...target.headers },
      body,
    });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      return { ok: false, error: `${res.statusCode} ${text.slice(0, 300)}`, total: 0, ttft: 0 };
    }
    if (!stream) {
      await res.body.arrayBuffer();
      return { ok: true, total: performance.now() - start, ttft: Number.NaN };
    }
    const read = await readStream(res.body, start);
    const total = performance.now() - start;
    return read.done
      ? { ok: true, total, ttft: read.ttft }
      : { ok: false, error: "stream without [DONE]", total, ttft: 0 };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), total: 0, ttft: 0 };
  }
}

interface Phase {
  totals: number[];
  ttfts: number[];
  errors: number;
  firstError?: string;
  started: number;
}

async function phase(pool: Pool, target: Target, options: LoadOptions, ms: number, limit: number): Promise<Phase> {
  const body = chatBody(target.model, options.stream);
  const result: Phase = { totals: [], ttfts: [], errors: 0, started: 0 };
  const deadline = performance.now() + ms;
  const client = async () => {
    while (performance.now() < deadline && result.started < limit) {
      result.started += 1;
      const sample = await once(pool, target, body, options.stream);
      if (!sample.ok) {
        result.errors += 1;
        result.firstError ??= sample.error;
        // A failing target answers fast; do not spin on it.
        if (result.errors > 100) return;
        continue;
      }
      result.totals.push(sample.total);
      if (options.stream) result.ttfts.push(sample.ttft);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return result;
}

/** Runs a warm-up and then the measured load against `target`, and summarizes the measured part. */
export async function runLoad(target: Target, options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(target.origin, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 120_000,
  });
  try {
    const warmupMs = options.warmupMs ?? 1_000;
    if (warmupMs > 0) await phase(pool, target, options, warmupMs, Number.POSITIVE_INFINITY);
    options.onMeasureStart?.();
    const start = performance.now();
    const measured = await phase(
      pool,
      target,
      options,
      options.durationMs,
      options.maxRequests ?? Number.POSITIVE_INFINITY,
    );
    const seconds = (performance.now() - start) / 1000;
    return {
      requests: measured.totals.length,
      errors: measured.errors,
      ...(measured.firstError === undefined ? {} : { firstError: measured.firstError }),
      seconds,
      requestsPerSecond: measured.totals.length / seconds,
      total: summarize(measured.totals),
      latencies: measured.totals,
      ...(options.stream ? { ttft: summarize(measured.ttfts) } : {}),
    };
  } finally {
    await pool.close();
  }
}
