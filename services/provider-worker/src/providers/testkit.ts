// Helpers for the adapters' spec files: a local upstream on 127.0.0.1, attempt contexts, fixtures.
// Test-only; nothing in the worker imports it.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { createLogger, GatewayError } from "@switchyard/runtime";
import { Agent } from "undici";
import type { AttemptContext } from "./types.js";

/** One request the local upstream received. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers one request; the body has been read already. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => unknown;

/** A local upstream whose handler a test swaps per case. */
export interface LocalUpstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1, port 0, recording every request. */
export async function startUpstream(): Promise<LocalUpstream> {
  const seen: SeenRequest[] = [];
  let handler: Handler = (_req, res) => res.writeHead(500).end();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      void Promise.resolve(handler(req, res, body)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    handle: (next) => {
      handler = next;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes text in pieces of 1 to 7 bytes (cycling), yielding to the event loop between them. */
export async function writeSlowly(res: ServerResponse, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  let size = 1;
  for (let i = 0; i < bytes.length; i += size) {
    size = (size % 7) + 1;
    res.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The dispatcher the specs use, as the brief for the worker's pool prescribes. */
export function testDispatcher(): Agent {
  return new Agent({ keepAliveTimeout: 10_000, connections: 128 });
}

/** A deployment of `provider` with test defaults. */
export function testDeployment(provider: Deployment["provider"], overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: `${provider}-test/0`,
    modelName: `${provider}-test`,
    provider,
    model: "test-model",
    weight: 1,
    tags: [],
    modelInfo: {},
    params: {},
    source: "model_list[0]",
    ...overrides,
  };
}

const silent = createLogger("provider-worker-spec", "silent");

/** An attempt context for a deployment; the signal never aborts unless one is passed. */
export function testContext(
  deployment: Deployment,
  dispatcher: Agent,
  extra: { apiKey?: string; signal?: AbortSignal } = {},
): AttemptContext {
  return {
    deployment,
    ...(extra.apiKey === undefined ? {} : { apiKey: extra.apiKey }),
    signal: extra.signal ?? new AbortController().signal,
    dispatcher,
    requestId: "req-test-1",
    log: silent,
  };
}

/** Reads a fixture beside the spec's source (specs run from dist/, fixtures stay in src/). */
export function fixture(specUrl: string, name: string): string {
  const dir = dirname(fileURLToPath(specUrl)).replace(/([/\\])dist([/\\])/, "$1src$2");
  return readFileSync(join(dir, "testdata", name), "utf8");
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Resolves when the response's connection closes, or rejects after `ms`. */
export function closedWithin(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed || res.socket?.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error(`upstream connection still open after ${ms} ms`)), ms);
    res.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * An `assert.rejects` predicate: the error is a GatewayError of class `cls` whose message, when `secret`
 * is given, does not contain it.
 */
export function isErrorClass(cls: llm.ErrorClass, secret?: string): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.errorClass, cls, err.message);
    if (secret !== undefined) assert.ok(!err.message.includes(secret));
    return true;
  };
}
