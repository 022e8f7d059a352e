import type { DescMethod, MessageShape } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Pool } from "undici";
import { GatewayError } from "../errors.js";
import type { Encoded } from "../grpc.js";
import { exchangeUnary } from "./exchange.js";
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
  /**
   * How long after the deadline the local timer fires (default 0): a peer that ends the call itself at the deadline
   * answers with what it knows (a worker's timed-out attempt, with its charge) instead of being cut off.
   */
  deadlineGraceMs?: number;
  signal?: AbortSignal;
}

/** The outcome of a unary call: the response with its headers and trailers (`trailer-` prefix removed). */
export interface UnaryResult<T> {
  value: T;
  headers: Record<string, string>;
  trailers: Record<string, string>;
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
  const sent = requestHeaders("application/proto", options);
  const span = startClientCall(method, client.address, sent, options.signal);
  let failure: GatewayError | undefined;
  try {
    const body = toBinary(method.input, request as MessageShape<DescMethod["input"]>);
    const reply = await exchangeUnary(client, pathOf(method), sent, body, options);
    const [headers, trailers] = splitHeaders(reply.headers);
    if (reply.status === 200 && headers["content-type"] === "application/proto")
      return { value: reply.body, headers, trailers };
    const json = headers["content-type"]?.startsWith("application/json") ? parseJson(reply.body) : undefined;
    throw GatewayError.fromConnectError(json, reply.status, { ...headers, ...trailers });
  } catch (err) {
    failure = GatewayError.from(err);
    throw failure;
  } finally {
    endCall(span, failure);
  }
}

const paths = new WeakMap<DescMethod, string>();

/** The HTTP path of a Connect method, `/package.Service/Method`. */
export function pathOf(method: DescMethod): string {
  let path = paths.get(method);
  if (path === undefined) {
    path = `/${method.parent.typeName}/${method.name}`;
    paths.set(method, path);
  }
  return path;
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
