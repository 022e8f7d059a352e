import { type DescMessage, type DescMethod, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";

// The public GatewayService is served over @grpc/grpc-js (with reflection and grpc health); the internal hops use
// the lean Connect implementation in ./connect (see docs/transport.md). The descriptors generated from proto/ stay
// the single source of truth; this module turns them into grpc-js service definitions and typed calls.

/** A message that is already encoded in the method's output wire format (forwarded without re-encoding). */
export type Encoded = Buffer;

type Input<M> = M extends { input: infer I extends DescMessage } ? MessageShape<I> : never;
type Output<M> = M extends { output: infer O extends DescMessage } ? MessageShape<O> : never;

/** A grpc-js implementation of a generated service; responses may be messages or pre-encoded bytes. */
export type ServiceImpl<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]["methodKind"] extends "unary"
    ? grpc.handleUnaryCall<Input<S[K]>, Output<S[K]> | Encoded>
    : S[K]["methodKind"] extends "server_streaming"
      ? grpc.handleServerStreamingCall<Input<S[K]>, Output<S[K]> | Encoded>
      : never;
};

function encoder<D extends DescMessage>(schema: D): (value: MessageShape<D> | Encoded) => Buffer {
  return (value) => {
    if (Buffer.isBuffer(value)) return value;
    const bytes = toBinary(schema, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function decoder<D extends DescMessage>(schema: D): (bytes: Buffer) => MessageShape<D> {
  return (bytes) => fromBinary(schema, bytes);
}

/** The gRPC path of a method: `/package.Service/Method`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Builds the grpc-js service definition of a generated service, keyed by the methods' local names. */
export function serviceDefinition<S extends GenServiceMethods>(service: GenService<S>): grpc.ServiceDefinition {
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js method definitions are untyped at this boundary
  const definition: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const method of (service as unknown as { methods: DescMethod[] }).methods) {
    definition[method.localName] = {
      path: methodPath(method),
      originalName: method.name,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: encoder(method.input),
      requestDeserialize: decoder(method.input),
      responseSerialize: encoder(method.output),
      responseDeserialize: decoder(method.output),
    };
  }
  return definition as grpc.ServiceDefinition;
}

/** Registers an implementation of a generated service on a grpc-js server. */
export function addService<S extends GenServiceMethods>(
  server: grpc.Server,
  service: GenService<S>,
  impl: ServiceImpl<S>,
): void {
  server.addService(serviceDefinition(service), impl as unknown as grpc.UntypedServiceImplementation);
}

/** Options of one outgoing call. */
export interface CallOptions {
  metadata?: grpc.Metadata;
  /** Absolute deadline (ms since epoch); propagated to the callee as the gRPC deadline. */
  deadline?: number;
  signal?: AbortSignal;
}

/** The outcome of a unary call. */
export interface UnaryResult<T> {
  value: T;
  headers: grpc.Metadata;
  trailers: grpc.Metadata;
}

function callOptions(options: CallOptions): grpc.CallOptions {
  return options.deadline === undefined ? {} : { deadline: options.deadline };
}

function bindAbort(call: grpc.Call, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    call.cancel();
    return () => {};
  }
  const onAbort = () => call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

function unary<D>(
  client: grpc.Client,
  method: DescMethod,
  request: unknown,
  options: CallOptions,
  deserialize: (bytes: Buffer) => D,
): Promise<UnaryResult<D>> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let value: D | undefined;
    let failure: grpc.ServiceError | null = null;
    const call = client.makeUnaryRequest(
      methodPath(method),
      encoder(method.input) as (value: unknown) => Buffer,
      deserialize,
      request,
      options.metadata ?? new grpc.Metadata(),
      callOptions(options),
      (err, res) => {
        failure = err;
        value = res;
      },
    );
    const unbind = bindAbort(call, options.signal);
    call.on("metadata", (md) => {
      headers = md;
    });
    call.on("status", (status) => {
      unbind();
      if (failure) reject(failure);
      else resolve({ value: value as D, headers, trailers: status.metadata });
    });
  });
}

/** Calls a unary method and decodes the response. */
export function callUnary<M extends DescMethod>(
  client: grpc.Client,
  method: M,
  request: MessageShape<M["input"]>,
  options: CallOptions = {},
): Promise<UnaryResult<MessageShape<M["output"]>>> {
  return unary(client, method, request, options, decoder(method.output) as (b: Buffer) => MessageShape<M["output"]>);
}

/** Opens a server-streaming call whose `data` events are decoded messages. */
export function callStream<M extends DescMethod>(
  client: grpc.Client,
  method: M,
  request: MessageShape<M["input"]>,
  options: CallOptions = {},
): grpc.ClientReadableStream<MessageShape<M["output"]>> {
  const call = client.makeServerStreamRequest(
    methodPath(method),
    encoder(method.input) as (value: unknown) => Buffer,
    decoder(method.output) as (b: Buffer) => MessageShape<M["output"]>,
    request,
    options.metadata ?? new grpc.Metadata(),
    callOptions(options),
  );
  const unbind = bindAbort(call, options.signal);
  call.on("status", unbind);
  return call;
}

/** Client channel options shared by every internal hop: keep-alive so dead peers are noticed fast. */
export const channelOptions: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 2_000,
};

/** Creates a plaintext client for an internal address (`host:port`). */
export function createClient(address: string, options: grpc.ChannelOptions = {}): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), { ...channelOptions, ...options });
}

/** Binds a grpc-js server to `host:port` and resolves with the bound port. */
export function bindServer(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(err);
      else resolve(port);
    });
  });
}
