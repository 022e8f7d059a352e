// A fake Replicate predictions API (https://replicate.com/docs/reference/http): POST /v1/models/{owner}/{name}/predictions,
// /v1/deployments/{owner}/{name}/predictions and /v1/predictions (`{version, input}`) with a Bearer token create a
// prediction; GET /v1/predictions/{id} reads it, POST /v1/predictions/{id}/cancel cancels it, and GET /v1/streams/{id}
// streams its output as SSE (`event: output` per piece, then `event: done` with `{}`). Predictions answer like a
// language model: `output` an array of text pieces, `metrics` with input_token_count / output_token_count.
// The model picks the behaviour: a version (a community model, cold-booting) or a `*slow*` model is still "starting"
// when sync mode (`Prefer: wait`) gives up, and succeeds at the second poll; `*nsfw*` fails with Replicate's NSFW error; `*missing*` is a 404. Errors are problem
// details ({"title","detail","status"}, application/problem+json).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type JsonReply, type RecordedRequest, tokens, words } from "./fake-server.js";

/** The API token the fake accepts. */
export const FAKE_REPLICATE_KEY = "r8_fake0123456789abcdefghijklmnopqrstu";

/** A running fake Replicate. */
export interface FakeReplicate {
  /** The origin; deployments set `api_base: ${url}/v1`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers the next create POST with this status, body and headers (an error), once. */
  script(reply: JsonReply): void;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

interface Stored {
  readonly id: string;
  readonly model: string;
  readonly input: Body;
  readonly pieces: string[];
  status: string;
  polls: number;
  error: string | null;
}

export function replicateProblem(status: number, title: string, detail: string): JsonReply {
  return { status, body: { title, detail, status }, headers: { "content-type": "application/problem+json" } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, reply: JsonReply): void {
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify(reply.body));
}

/** The model a create route names, or undefined when the route is not one. */
function modelOf(path: string, body: Body): string | undefined {
  const named = /^\/v1\/(?:models|deployments)\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
  if (named) return `${decodeURIComponent(named[1] ?? "")}/${decodeURIComponent(named[2] ?? "")}`;
  if (path === "/v1/predictions" && typeof body.version === "string") return `version:${body.version}`;
  return undefined;
}

function answerText(input: Body): string {
  const prompt = typeof input.prompt === "string" ? input.prompt : "";
  const said = (prompt.split("User: ").at(-1) ?? "").slice(0, 100);
  return `Hello from the fake replicate upstream. You said: ${said}`;
}

class Predictions {
  private readonly store = new Map<string, Stored>();
  private n = 0;

  constructor(private readonly origin: () => string) {}

  create(model: string, input: Body): Stored {
    const id = `fakepred${++this.n}${"x".repeat(12)}`;
    const failing = model.includes("nsfw");
    const stored: Stored = {
      id,
      model,
      input,
      pieces: failing ? [] : ["", ...words(answerText(input))],
      status: "starting",
      polls: 0,
      error: failing ? "NSFW content detected. Try running it again, or try a different prompt." : null,
    };
    this.store.set(id, stored);
    return stored;
  }

  get(id: string): Stored | undefined {
    return this.store.get(id);
  }

  /** Runs the prediction to its end (the fake's models are instant). */
  finish(p: Stored): void {
    if (p.status === "starting" || p.status === "processing") p.status = p.error ? "failed" : "succeeded";
  }

  json(p: Stored): Body {
    const base = `${this.origin()}/v1/predictions/${p.id}`;
    const done = p.status === "succeeded";
    const system = typeof p.input.system_prompt === "string" ? p.input.system_prompt : "";
    return {
      id: p.id,
      model: p.model.startsWith("version:") ? "fake/versioned-model" : p.model,
      version: p.model.startsWith("version:") ? p.model.slice(8) : "dp-fake",
      input: p.input,
      logs: "",
      output: done ? p.pieces : null,
      data_removed: false,
      error: p.status === "failed" ? p.error : null,
      status: p.status,
      created_at: "2026-12-06T10:00:00.000Z",
      urls: { get: base, cancel: `${base}/cancel`, stream: `${this.origin()}/v1/streams/${p.id}` },
      metrics: done
        ? {
            input_token_count: tokens(`${system}${String(p.input.prompt ?? "")}`),
            output_token_count: tokens(p.pieces.join("")),
            predict_time: 0.05,
          }
        : {},
    };
  }
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers.authorization !== `Bearer ${apiKey}`) {
    return replicateProblem(401, "Unauthenticated", "You did not pass a valid authentication token");
  }
  return undefined;
}

function validate(body: Body): JsonReply | undefined {
  const input = body.input as Body | undefined;
  if (typeof input?.prompt === "string") return undefined;
  return {
    status: 422,
    body: {
      title: "Input validation failed",
      detail: "- input.prompt: Invalid type. Expected: string, given: null",
      status: 422,
      invalid_fields: [{ type: "invalid_type", field: "input.prompt", description: "Invalid type." }],
    },
    headers: { "content-type": "application/problem+json" },
  };
}

async function stream(res: ServerResponse, p: Stored, predictions: Predictions): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  p.status = "processing";
  for (const [i, piece] of p.pieces.entries()) {
    res.write(`event: output\nid: 1765015200:${i}\ndata: ${piece}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (p.error) res.write(`event: error\nid: e\ndata: ${JSON.stringify({ detail: p.error })}\n\n`);
  predictions.finish(p);
  res.end(`event: done\nid: d\ndata: ${p.error ? '{"reason": "error"}' : "{}"}\n\n`);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  state: { apiKey: string; requests: RecordedRequest[]; queue: JsonReply[]; predictions: Predictions },
): Promise<void> {
  const raw = await readBody(req);
  let body: Body = {};
  try {
    body = raw ? (JSON.parse(raw) as Body) : {};
  } catch {
    body = {};
  }
  const path = (req.url ?? "").split("?")[0] ?? "";
  const recorded: RecordedRequest = {
    method: req.method ?? "",
    path,
    query: (req.url ?? "").split("?").slice(1).join("?"),
    headers: req.headers,
    body: raw ? body : undefined,
    rawBody: raw,
    receivedAt: performance.now(),
  };
  state.requests.push(recorded);
  const refused = check(state.apiKey, recorded);
  if (refused) return send(res, refused);
  const { predictions } = state;
  const notFound = () => send(res, replicateProblem(404, "Not found", "The requested resource could not be found."));
  const model = req.method === "POST" ? modelOf(path, body) : undefined;
  if (model !== undefined) {
    const scripted = state.queue.shift();
    if (scripted) return send(res, scripted);
    if (model.includes("missing")) return notFound();
    const invalid = validate(body);
    if (invalid) return send(res, invalid);
    const p = predictions.create(model, body.input as Body);
    const sync = req.headers.prefer === "wait" && body.stream !== true;
    if (sync && !model.includes("slow") && !model.startsWith("version:")) predictions.finish(p);
    return send(res, { status: 201, body: predictions.json(p) });
  }
  const route = /^\/v1\/(predictions|streams)\/([^/]+)(\/cancel)?$/.exec(path);
  const p = route ? predictions.get(route[2] ?? "") : undefined;
  if (!route || !p) return notFound();
  if (req.method === "GET" && route[1] === "streams") return stream(res, p, predictions);
  if (req.method === "POST" && route[3]) {
    if (p.status === "starting" || p.status === "processing") p.status = "canceled";
    return send(res, { status: 200, body: predictions.json(p) });
  }
  if (req.method !== "GET" || route[1] !== "predictions" || route[3]) return notFound();
  // A running prediction is still processing at the first poll and done at the second.
  if (p.status === "starting" || p.status === "processing") {
    if (++p.polls >= 2) predictions.finish(p);
    else p.status = "processing";
  }
  return send(res, { status: 200, body: predictions.json(p) });
}

/** Starts a fake Replicate on 127.0.0.1. */
export async function startFakeReplicate(options: { apiKey?: string } = {}): Promise<FakeReplicate> {
  let origin = "";
  const state = {
    apiKey: options.apiKey ?? FAKE_REPLICATE_KEY,
    requests: [] as RecordedRequest[],
    queue: [] as JsonReply[],
    predictions: new Predictions(() => origin),
  };
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests: state.requests,
    script: (reply) => {
      state.queue.push(reply);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
