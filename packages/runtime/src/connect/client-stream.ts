import { type DescMethod, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import type { Encoded } from "../grpc.js";
import { type CallOptions, type ConnectClient, parseJson, pathOf, requestHeaders, splitHeaders } from "./client.js";
import { EnvelopeReader, EnvelopeTooLarge, encodeEnvelope, FLAG_COMPRESSED, FLAG_END_STREAM } from "./envelope.js";
import { StreamExchange } from "./exchange.js";
import { endCall, startClientCall } from "./trace.js";

/**
 * An open server-streaming call. Iterating it sends the request and yields messages; it throws a GatewayError
 * when the stream fails. `headers` is filled before the first message (or the clean end) is yielded, which is
 * when the server committed; a stream that fails before any message throws with the headers in `error.meta`.
 */
export interface ServerStream<T> extends AsyncIterable<T> {
  /** Response headers, available once the first message or the clean end has arrived. */
  readonly headers: Record<string, string>;
  /** Trailers from the end-stream metadata, available after the clean end. */
  readonly trailers: Record<string, string>;
  /** Aborts the call; iteration then throws a `cancelled` GatewayError. */
  cancel(): void;
}

function internal(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.INTERNAL, message });
}

/** Reads the end-stream JSON: fills the trailers and throws its error, if any. */
function finish(data: Buffer, headers: Record<string, string>, trailers: Record<string, string>): void {
  const end = parseJson(data) as { error?: unknown; metadata?: unknown } | undefined;
  if (typeof end !== "object" || end === null) throw internal("expected an end-stream JSON object");
  if (typeof end.metadata === "object" && end.metadata !== null) {
    for (const [name, values] of Object.entries(end.metadata)) {
      if (Array.isArray(values)) trailers[name] = values.join(", ");
    }
  }
  if (end.error !== undefined) throw GatewayError.fromConnectError(end.error, 200, { ...headers, ...trailers });
}

/** The error of a stream the server refused outright (an HTTP error status, not an end-stream error). */
async function rejected(exchange: StreamExchange, headers: Record<string, string>): Promise<GatewayError> {
  const chunks: Buffer[] = [];
  for (let chunk = await exchange.read(); chunk !== undefined; chunk = await exchange.read()) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const json = headers["content-type"]?.startsWith("application/json") ? parseJson(bytes) : undefined;
  return GatewayError.fromConnectError(json, exchange.status, headers);
}

class Stream implements ServerStream<Buffer> {
  headers: Record<string, string> = {};
  trailers: Record<string, string> = {};
  private readonly exchange: StreamExchange;

  constructor(
    private readonly client: ConnectClient,
    private readonly method: DescMethod,
    private readonly request: unknown,
    private readonly options: CallOptions,
  ) {
    this.exchange = new StreamExchange(client, options);
  }

  cancel(): void {
    this.exchange.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const { exchange } = this;
    const sent = requestHeaders("application/connect+proto", this.options);
    const span = startClientCall(this.method, this.client.address, sent, this.options.signal);
    let failure: unknown;
    let ended = false;
    try {
      const message = toBinary(this.method.input, this.request as MessageShape<DescMethod["input"]>);
      exchange.open(pathOf(this.method), sent, encodeEnvelope(0, message));
      await exchange.response();
      const [headers] = splitHeaders(exchange.headers);
      if (exchange.status !== 200 || headers["content-type"] !== "application/connect+proto") {
        throw await rejected(exchange, headers);
      }
      const reader = new EnvelopeReader(this.client.maxMessageBytes);
      for (let chunk = await exchange.read(); chunk !== undefined; chunk = await exchange.read()) {
        for (const envelope of reader.push(chunk)) {
          if (envelope.flags & FLAG_END_STREAM) {
            finish(envelope.data, headers, this.trailers);
            this.headers = headers;
            ended = true;
            return;
          }
          if (envelope.flags & FLAG_COMPRESSED) throw internal("expected an uncompressed message");
          this.headers = headers;
          yield envelope.data;
        }
      }
      throw new GatewayError({
        class: llm.ErrorClass.UNAVAILABLE,
        message: "upstream stream ended without end-stream",
      });
    } catch (err) {
      failure = err instanceof EnvelopeTooLarge ? internal("response message too large") : GatewayError.from(err);
      throw failure;
    } finally {
      // A consumer that stops iterating early (break, throw) cancels the call instead of leaking it.
      if (!ended) exchange.cancel();
      endCall(span, failure);
    }
  }
}

/** Opens a server-streaming call whose messages are the encoded bytes, for forwarding without re-encoding. */
export function callStreamRaw<M extends DescMethod>(
  client: ConnectClient,
  method: M,
  request: MessageShape<M["input"]>,
  options: CallOptions = {},
): ServerStream<Encoded> {
  return new Stream(client, method, request, options);
}

/** Opens a server-streaming call whose messages are decoded. */
export function callStream<M extends DescMethod>(
  client: ConnectClient,
  method: M,
  request: MessageShape<M["input"]>,
  options: CallOptions = {},
): ServerStream<MessageShape<M["output"]>> {
  const raw = new Stream(client, method, request, options);
  return {
    get headers() {
      return raw.headers;
    },
    get trailers() {
      return raw.trailers;
    },
    cancel: () => raw.cancel(),
    async *[Symbol.asyncIterator]() {
      for await (const bytes of raw) yield fromBinary(method.output, bytes) as MessageShape<M["output"]>;
    },
  };
}
