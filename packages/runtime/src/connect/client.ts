import type { DescMethod, MessageShape } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { Pool } from "undici";
import { GatewayError, PEER_UNAVAILABLE_MESSAGE } from "../errors.js";
import type { Encoded } from "../grpc.js";
import { endCall, startClientCall } from "./trace.js";

/** A keep-alive HTTP/1.1 connection pool to one internal Connect server. */
export interface ConnectClient {
  /** `host:port` of the server. */
  readonly address: string;
  readonly pool: Pool;
  /** Largest response message accepted (bytes). */
  readonly maxMessageBytes: number;
  close(): Promise<void>;
}

/** Options of `createConnectClient`. */
export interface ConnectClientOptions {
  /** Connections kept to the server; HTTP/1.1 runs one call per connection at a time. */
  connections?: number;
  maxMessageBytes?: number;
}

/** Creates a client for an internal address (`host:port`), plaintext HTTP/1.1 with keep-alive. */
export function createConnectClient(address: string, options: ConnectClientOptions = {}): ConnectClient {
  // Idle connections close before the server's 65 s keep-alive timeout, so the client never reuses a socket the
  // server is closing.
  const pool = new Pool(`http://${address}`, {
    connections: options.connections ?? 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: 5_000 },
  });
  return { address, pool, maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024, close: () => pool.close() };
}

/** Options of one outgoing call. */
export interface CallOptions {
  /** Extra request headers (lower-case names). */
  headers?: Record<string, string>;
  /** Absolute deadline (ms since epoch); sent as `connect-timeout-ms` and enforced locally too. */
  deadline?: number;
  signal?: AbortSignal;
}

/** The outcome of a unary call: the response with its headers and trailers (`trailer-` prefix removed). */
export interface UnaryResult<T> {
  value: T;
  headers: Record<string, string>;
  trailers: Record<string, string>;
}

/** The abort plumbing of one call: caller signal and deadline folded into one signal. */
export interface CallAbort {
  readonly signal: AbortSignal;
  /** The GatewayError that explains an abort or a transport failure. */
  explain(err: unknown): GatewayError;
  done(): void;
}

/** Folds the caller's signal and the deadline into one signal, remembering which one fired. */
export function callAbort(options: CallOptions): CallAbort {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  const timer =
    options.deadline === undefined
      ? undefined
      : setTimeout(
          () => {
            timedOut = true;
            controller.abort();
          },
          Math.max(options.deadline - Date.now(), 0),
        );
  return {
    signal: controller.signal,
    explain(err) {
      if (err instanceof GatewayError) return err;
      if (timedOut)
        return new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "deadline exceeded" }, { cause: err });
      if (options.signal?.aborted) {
        return new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "call cancelled" }, { cause: err });
      }
      return new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: PEER_UNAVAILABLE_MESSAGE }, { cause: err });
    },
    done() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
}

/** Request headers of a Connect call. */
export function requestHeaders(contentType: string, options: CallOptions): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  headers["content-type"] = contentType;
  headers["connect-protocol-version"] = "1";
  if (options.deadline !== undefined) {
    headers["connect-timeout-ms"] = String(Math.max(Math.ceil(options.deadline - Date.now()), 1));
  }
  return headers;
}

/** Splits undici response headers into headers and `trailer-` prefixed unary trailers. */
export function splitHeaders(
  raw: Record<string, string | string[] | undefined>,
): [Record<string, string>, Record<string, string>] {
  const headers: Record<string, string> = {};
  const trailers: Record<string, string> = {};
  for (const name in raw) {
    const value = raw[name];
    const text = Array.isArray(value) ? value.join(", ") : (value ?? "");
    if (name.startsWith("trailer-")) trailers[name.slice(8)] = text;
    else headers[name] = text;
  }
  return [headers, trailers];
}

/** Reads a whole response body up to `max` bytes. */
export async function readAll(body: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new GatewayError({ class: llm.ErrorClass.INTERNAL, message: "response message too large" });
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/** Parses a Connect error body; anything unparsable yields undefined, so the HTTP status decides. */
export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

async function unary(
  client: ConnectClient,
  method: DescMethod,
  request: unknown,
  options: CallOptions,
): Promise<UnaryResult<Buffer>> {
  const abort = callAbort(options);
  const sent = requestHeaders("application/proto", options);
  const span = startClientCall(method, client.address, sent, options.signal);
  let failure: GatewayError | undefined;
  try {
    const res = await client.pool.request({
      method: "POST",
      path: `/${method.parent.typeName}/${method.name}`,
      headers: sent,
      body: Buffer.from(toBinary(method.input, request as MessageShape<DescMethod["input"]>)),
      signal: abort.signal,
    });
    const [headers, trailers] = splitHeaders(res.headers);
    const body = await readAll(res.body, client.maxMessageBytes);
    if (res.statusCode === 200 && headers["content-type"] === "application/proto")
      return { value: body, headers, trailers };
    const json = headers["content-type"]?.startsWith("application/json") ? parseJson(body) : undefined;
    throw GatewayError.fromConnectError(json, res.statusCode, { ...headers, ...trailers });
  } catch (err) {
    failure = abort.explain(err);
    throw failure;
  } finally {
    abort.done();
    endCall(span, failure);
  }
}

/** Calls a unary method and decodes the response. */
export async function callUnary<M extends DescMethod>(
  client: ConnectClient,
  method: M,
  request: MessageShape<M["input"]>,
  options: CallOptions = {},
): Promise<UnaryResult<MessageShape<M["output"]>>> {
  const res = await unary(client, method, request, options);
  return { ...res, value: fromBinary(method.output, res.value) as MessageShape<M["output"]> };
}

/** Calls a unary method and returns the encoded response bytes, for forwarding without re-encoding. */
export function callUnaryRaw<M extends DescMethod>(
  client: ConnectClient,
  method: M,
  request: MessageShape<M["input"]>,
  options: CallOptions = {},
): Promise<UnaryResult<Encoded>> {
  return unary(client, method, request, options);
}
