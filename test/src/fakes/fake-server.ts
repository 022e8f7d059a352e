// The machinery shared by the fake upstreams: an HTTP server on 127.0.0.1 that records requests,
// plays scripted behaviours (errors, delays, hangs, raw fixtures, resets) and otherwise lets the
// provider module answer like the real API.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One request the fake received. `body` is the parsed JSON, or the raw text when it was not JSON. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string without its `?` (Azure's `api-version=...`); empty when there is none. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** The body exactly as received, for fakes that check a signature over it (AWS SigV4). */
  readonly rawBody: string;
  /** When the request's body had arrived, in `performance.now()` milliseconds of the process running the fake. */
  readonly receivedAt: number;
}

/**
 * What the fake does with the next request; fields combine and apply in this order: wait `delayMs`, wait
 * for `waitFor` to settle, `hang` (never answer), answer `status` with `body` (JSON) and `headers`, write
 * `streamFixture` as a 200 text/event-stream (in `chunkBytes` pieces when set), or answer normally, cutting
 * the connection after `resetAfterChunks` SSE frames (or before any byte of a non-streamed answer).
 */
export interface Behaviour {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
  /** Holds the answer until this settles, so a test decides when an in-flight request ends. */
  readonly waitFor?: Promise<unknown>;
  readonly hang?: boolean;
  readonly streamFixture?: string;
  readonly chunkBytes?: number;
  readonly resetAfterChunks?: number;
}

/** A running fake provider API. */
export interface FakeUpstream {
  /** The origin, `http://127.0.0.1:<port>`; OpenAI deployments use `${url}/v1` as api_base. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queues a behaviour for the next unscripted request; each behaviour is used once. */
  script(next: Behaviour): void;
  /**
   * Sets the behaviour of every request the queue has nothing for (an outage, a fixed latency), until it is set
   * again; undefined restores normal answers. Queued behaviours still come first.
   */
  setDefault(behaviour: Behaviour | undefined): void;
  /** How many requests' clients disconnected before their response ended. */
  readonly onAbort: number;
  /** Requests received whose response has not ended yet. */
  readonly inFlight: number;
  close(): Promise<void>;
}

/** Options of every fake. */
export interface FakeOptions {
  /** The key the fake accepts; anything else gets the provider's 401. */
  readonly apiKey?: string;
}

/** A status and JSON body. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  /** Response headers besides the content type (AWS's `x-amzn-ErrorType`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The provider-specific part of a fake. */
export interface FakeProvider {
  /** The one POST path served, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Whether a POST path is served, for APIs that name the model in the path; default: it equals `path`. */
  serves?(path: string): boolean;
  /** Whether a request asks for a stream, for APIs that say so in the path; default: the body's `stream: true`. */
  streams?(req: RecordedRequest): boolean;
  /** The provider's error for a request it refuses before answering (auth, headers, body); may be async. */
  check(req: RecordedRequest): JsonReply | undefined | Promise<JsonReply | undefined>;
  notFound(path: string): JsonReply;
  /** The default non-streamed answer, numbered `n` from 1. */
  answer(body: Record<string, unknown>, n: number): unknown;
  /** The default stream as complete SSE frames, each ending in a blank line (or binary frames, see below). */
  stream(body: Record<string, unknown>, n: number): Array<string | Uint8Array>;
  /** The content type of a stream; default text/event-stream (AWS streams are application/vnd.amazon.eventstream). */
  readonly streamContentType?: string;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, reply: JsonReply, headers: Readonly<Record<string, string>> = {}): void {
  res
    .writeHead(reply.status, { "content-type": "application/json", ...reply.headers, ...headers })
    .end(JSON.stringify(reply.body));
}

async function writePieces(res: ServerResponse, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length && !res.destroyed; i += size) {
    res.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** What one fake keeps between requests. */
interface FakeState {
  readonly provider: FakeProvider;
  readonly requests: RecordedRequest[];
  readonly queue: Behaviour[];
  standing: Behaviour | undefined;
  served: number;
}

/** Per response: set when the fake cut the connection itself, which is not a client abort. */
interface Exchange {
  reset: boolean;
}

async function record(req: IncomingMessage, state: FakeState): Promise<RecordedRequest> {
  const text = await readBody(req);
  const recorded: RecordedRequest = {
    method: req.method ?? "",
    path: (req.url ?? "").split("?")[0] ?? "",
    query: (req.url ?? "").split("?").slice(1).join("?"),
    headers: req.headers,
    body: parseBody(text),
    rawBody: text,
    receivedAt: performance.now(),
  };
  state.requests.push(recorded);
  return recorded;
}

async function play(req: IncomingMessage, res: ServerResponse, state: FakeState, exchange: Exchange): Promise<void> {
  const recorded = await record(req, state);
  const behaviour = state.queue.shift() ?? state.standing ?? {};
  if (behaviour.delayMs) await sleep(behaviour.delayMs);
  if (behaviour.waitFor) await behaviour.waitFor.catch(() => undefined);
  if (behaviour.hang) return;
  if (behaviour.status !== undefined) {
    return sendJson(res, { status: behaviour.status, body: behaviour.body ?? {} }, behaviour.headers);
  }
  const { provider } = state;
  if (recorded.method !== "POST" || !(provider.serves?.(recorded.path) ?? recorded.path === provider.path))
    return sendJson(res, provider.notFound(recorded.path));
  const refused = await provider.check(recorded);
  if (refused) return sendJson(res, refused);
  if (behaviour.streamFixture !== undefined) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...behaviour.headers });
    await writePieces(res, behaviour.streamFixture, behaviour.chunkBytes ?? 64 * 1024);
    res.end();
    return;
  }
  const body = recorded.body as Record<string, unknown>;
  const streamed = provider.streams?.(recorded) ?? body.stream === true;
  await answer(res, state, body, behaviour.resetAfterChunks, exchange, streamed);
}

async function answer(
  res: ServerResponse,
  state: FakeState,
  body: Record<string, unknown>,
  resetAfter: number | undefined,
  exchange: Exchange,
  streamed: boolean,
): Promise<void> {
  const n = ++state.served;
  const reset = () => {
    exchange.reset = true;
    res.socket?.destroy();
  };
  if (!streamed) {
    if (resetAfter !== undefined) return reset();
    return sendJson(res, { status: 200, body: state.provider.answer(body, n) });
  }
  const type = state.provider.streamContentType ?? "text/event-stream";
  res.writeHead(200, { "content-type": type, "cache-control": "no-cache", connection: "keep-alive" });
  for (const [i, frame] of state.provider.stream(body, n).entries()) {
    if (resetAfter !== undefined && i >= resetAfter) return reset();
    res.write(frame);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

/** Starts a fake on 127.0.0.1 with an ephemeral port. */
export async function startFake(provider: FakeProvider): Promise<FakeUpstream> {
  const state: FakeState = { provider, requests: [], queue: [], standing: undefined, served: 0 };
  let aborts = 0;
  let inFlight = 0;
  const server = createServer((req, res) => {
    const exchange: Exchange = { reset: false };
    inFlight++;
    res.on("close", () => {
      inFlight--;
      if (!res.writableEnded && !exchange.reset) aborts++;
    });
    play(req, res, state, exchange).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: state.requests,
    script: (next) => {
      state.queue.push(next);
    },
    setDefault: (behaviour) => {
      state.standing = behaviour;
    },
    get onAbort() {
      return aborts;
    },
    get inFlight() {
      return inFlight;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Estimated tokens of a text: ceil(chars / 4), as the fakes count usage. */
export function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Every string inside a JSON value, concatenated: the text the fakes count prompt tokens of. */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(textOf).join("");
  if (typeof value === "object" && value !== null) return Object.values(value).map(textOf).join("");
  return "";
}

/** The deterministic answer text of a fake, quoting the last user message. */
export function replyText(provider: string, messages: unknown): string {
  const list = Array.isArray(messages) ? (messages as Array<Record<string, unknown>>) : [];
  const last = list.findLast((m) => m.role === "user");
  const said = last ? textOf(last.content).slice(0, 100) : "";
  return `Hello from the fake ${provider} upstream. You said: ${said}`;
}

/** Splits an answer into word pieces (each keeps its leading space) for streaming. */
export function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}
