// A fixed-latency mock of OpenAI's chat completions API for the benchmarks. It runs as its own process
// (`node test/dist/bench/upstream.js`, started by `startUpstreamProcess`) so that its CPU time is not mixed
// with the load generator's, and prints one JSON line `{"port":N}` once it listens.
//
//   POST [/delay-<ms>]/v1/chat/completions   non-streamed: one chat.completion after the latency;
//                                             stream: true: role chunk after the TTFT, then content
//                                             chunks, the finish chunk, the usage chunk (include_usage)
//                                             and `data: [DONE]`
//   GET  /stats                               `{"requests":N,"unauthorized":N}` since start
//
// The `/delay-<ms>` prefix sets both the latency and the TTFT of one request, so one upstream process serves
// every latency variant (gateways reach it through `api_base` / custom host, which keep the path).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

/** How the mock upstream answers. */
export interface UpstreamOptions {
  /** Delay before a non-streamed answer; default 0 (instant). */
  latencyMs: number;
  /** Delay before the first chunk of a stream; default 0. */
  ttftMs: number;
  /** Content chunks of a stream; default 20. */
  chunks: number;
  /** The key clients must send as `Authorization: Bearer <key>`. */
  apiKey: string;
}

/** Reads the options from `BENCH_UPSTREAM_*` variables. */
export function upstreamOptionsFromEnv(env: NodeJS.ProcessEnv): UpstreamOptions {
  return {
    latencyMs: Number(env.BENCH_UPSTREAM_LATENCY_MS ?? 0),
    ttftMs: Number(env.BENCH_UPSTREAM_TTFT_MS ?? 0),
    chunks: Number(env.BENCH_UPSTREAM_CHUNKS ?? 20),
    apiKey: env.BENCH_UPSTREAM_KEY ?? "sk-bench-upstream",
  };
}

const ROUTE = /^(?:\/delay-(\d+))?\/v1\/chat\/completions$/;
const WORDS = ["Hello", "!", " How", " can", " I", " help", " you", " today", "?", " I'm", " happy", " to"];

let sequence = 0;

function completionId(): string {
  sequence += 1;
  return `chatcmpl-bench${sequence.toString(36).padStart(10, "0")}`;
}

function usage(completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: 24,
    completion_tokens: completionTokens,
    total_tokens: 24 + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** A realistic small chat.completion, shaped like OpenAI's answer to a one-line prompt. */
function completion(model: string): string {
  return JSON.stringify({
    id: completionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Hello! How can I help you today?",
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: usage(9),
    service_tier: "default",
    system_fingerprint: "fp_bench0001",
  });
}

/** Every SSE frame of one stream: role chunk, `chunks` content chunks, finish chunk, usage chunk, [DONE]. */
function streamFrames(model: string, chunks: number, includeUsage: boolean): string[] {
  const base = { id: completionId(), object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
  const extra = { service_tier: "default", system_fingerprint: "fp_bench0001" };
  const frame = (delta: Record<string, unknown>, finish: string | null): string =>
    `data: ${JSON.stringify({ ...base, ...extra, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const frames = [frame({ role: "assistant", content: "", refusal: null }, null)];
  for (let i = 0; i < chunks; i += 1) frames.push(frame({ content: WORDS[i % WORDS.length] }, null));
  frames.push(frame({}, "stop"));
  if (includeUsage)
    frames.push(`data: ${JSON.stringify({ ...base, ...extra, choices: [], usage: usage(chunks) })}\n\n`);
  frames.push("data: [DONE]\n\n");
  return frames;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function after(ms: number, fn: () => void): void {
  if (ms > 0) setTimeout(fn, ms);
  else fn();
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

interface ChatBody {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
}

function answer(res: ServerResponse, body: ChatBody, delayMs: number | undefined, options: UpstreamOptions): void {
  const model = typeof body.model === "string" ? body.model : "bench-model";
  if (body.stream !== true) {
    after(delayMs ?? options.latencyMs, () => sendJson(res, 200, completion(model)));
    return;
  }
  const frames = streamFrames(model, options.chunks, body.stream_options?.include_usage === true);
  after(delayMs ?? options.ttftMs, () => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    // The first chunk is its own write so that TTFT is observable; the rest follow on the next turn.
    res.write(frames[0]);
    setImmediate(() => res.end(frames.slice(1).join("")));
  });
}

function apiError(message: string, code: string | null): string {
  return JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code } });
}

/** Creates the mock upstream's HTTP server (not yet listening); `GET /stats` reports its request counters. */
export function createUpstreamServer(options: UpstreamOptions): Server {
  const stats = { requests: 0, unauthorized: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse, delayMs: number | undefined, text: string) => {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      stats.unauthorized += 1;
      return sendJson(res, 401, apiError("Incorrect API key provided", "invalid_api_key"));
    }
    answer(res, JSON.parse(text) as ChatBody, delayMs, options);
  };
  const server = createServer({ keepAlive: true }, (req, res) => {
    const url = req.url ?? "/";
    if (req.method === "GET" && url === "/stats") return sendJson(res, 200, JSON.stringify(stats));
    const match = req.method === "POST" ? ROUTE.exec(url) : null;
    if (!match) return sendJson(res, 404, apiError(`no route ${url}`, null));
    stats.requests += 1;
    const delayMs = match[1] === undefined ? undefined : Number(match[1]);
    readBody(req).then(
      (text) => handle(req, res, delayMs, text),
      () => res.destroy(),
    );
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  return server;
}

async function main(): Promise<void> {
  const server = createUpstreamServer(upstreamOptionsFromEnv(process.env));
  await new Promise<void>((resolve) =>
    server.listen(Number(process.env.BENCH_UPSTREAM_PORT ?? 0), "127.0.0.1", resolve),
  );
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  process.on("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
