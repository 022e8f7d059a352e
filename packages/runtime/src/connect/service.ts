import { type DescMessage, type DescMethod, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { Encoded } from "../grpc.js";

type Input<M> = M extends { input: infer I extends DescMessage } ? MessageShape<I> : never;
type Output<M> = M extends { output: infer O extends DescMessage } ? MessageShape<O> : never;

/** What an implementation sees of one call besides its request. */
export interface HandlerContext {
  /** Request headers as node:http parsed them (lower-case names). */
  readonly requestHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** Fires when the caller disconnects or the deadline passes; `reason` is the GatewayError that ends the call. */
  readonly signal: AbortSignal;
  /** Absolute deadline (ms since epoch) from `connect-timeout-ms`, when the caller sent one. */
  readonly deadline: number | undefined;
  /** Response headers; sent with the first message of a stream, or with a unary response or error. */
  readonly responseHeaders: Record<string, string>;
  /** Response trailers; sent at the end (`trailer-` headers for unary, end-stream metadata for streams). */
  readonly responseTrailers: Record<string, string>;
}

/** The writing end of a server stream. */
export interface StreamSink<T> {
  /** Sends one message (or pre-encoded bytes); the promise, when there is one, resolves once buffers drain. */
  write(message: T | Encoded): Promise<void> | undefined;
}

/** A Connect implementation of a generated service; responses may be messages or pre-encoded bytes. */
export type ConnectImpl<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]["methodKind"] extends "unary"
    ? (request: Input<S[K]>, ctx: HandlerContext) => Promise<Output<S[K]> | Encoded> | Output<S[K]> | Encoded
    : S[K]["methodKind"] extends "server_streaming"
      ? (request: Input<S[K]>, ctx: HandlerContext, sink: StreamSink<Output<S[K]>>) => Promise<void> | void
      : never;
};

/** One served method with its codecs, untyped past this point. */
export interface Route {
  readonly kind: "unary" | "server_streaming";
  readonly decode: (bytes: Uint8Array) => unknown;
  readonly encode: (value: unknown) => Uint8Array;
  readonly unary?: (request: unknown, ctx: HandlerContext) => unknown;
  readonly stream?: (request: unknown, ctx: HandlerContext, sink: StreamSink<unknown>) => Promise<void> | void;
}

/** Routes of a set of services, keyed by `/package.Service/Method`. */
export type Routes = Map<string, Route>;

/** Encodes a message, or passes pre-encoded bytes through untouched. */
export function encoderOf(schema: DescMessage): (value: unknown) => Uint8Array {
  return (value) => (value instanceof Uint8Array ? value : toBinary(schema, value as MessageShape<DescMessage>));
}

/** Adds the methods of a generated service to `routes`; only unary and server-streaming methods are served. */
export function addConnectService<S extends GenServiceMethods>(
  routes: Routes,
  service: GenService<S>,
  impl: ConnectImpl<S>,
): Routes {
  const handlers = impl as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of (service as unknown as { methods: DescMethod[] }).methods) {
    const fn = handlers[method.localName];
    if (!fn) continue;
    const input = method.input;
    const decode = (bytes: Uint8Array): unknown => fromBinary(input, bytes);
    const encode = encoderOf(method.output);
    const path = `/${method.parent.typeName}/${method.name}`;
    if (method.methodKind === "unary") {
      routes.set(path, { kind: "unary", decode, encode, unary: (req, ctx) => fn.call(impl, req, ctx) });
    } else if (method.methodKind === "server_streaming") {
      routes.set(path, {
        kind: "server_streaming",
        decode,
        encode,
        stream: (req, ctx, sink) => fn.call(impl, req, ctx, sink) as Promise<void> | void,
      });
    }
  }
  return routes;
}
