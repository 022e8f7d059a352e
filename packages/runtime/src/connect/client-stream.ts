import { type DescMethod, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import type { Encoded } from "../grpc.js";
import {
  type CallOptions,
  type ConnectClient,
  callAbort,
  parseJson,
  readAll,
  requestHeaders,
  splitHeaders,
} from "./client.js";
import { EnvelopeReader, EnvelopeTooLarge, encodeEnvelope, FLAG_COMPRESSED, FLAG_END_STREAM } from "./envelope.js";
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
async function rejected(
  status: number,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer>,
  max: number,
): Promise<GatewayError> {
  const bytes = await readAll(body, max);
  const json = headers["content-type"]?.startsWith("application/json") ? parseJson(bytes) : undefined;
  return GatewayError.fromConnectError(json, status, headers);
}

class Stream implements ServerStream<Buffer> {
  headers: Record<string, string> = {};
  trailers: Record<string, string> = {};
  private readonly controller = new AbortController();

  constructor(
    private readonly client: ConnectClient,
    private readonly method: DescMethod,
    private readonly request: unknown,
    private readonly options: CallOptions,
  ) {}

  cancel(): void {
    this.controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const signal = this.options.signal
      ? AbortSignal.any([this.options.signal, this.controller.signal])
      : this.controller.signal;
    const abort = callAbort({ ...this.options, signal });
    const sent = requestHeaders("application/connect+proto", this.options);
    const span = startClientCall(this.method, this.client.address, sent, this.options.signal);
    let failure: unknown;
    let ended = false;
    try {
      const res = await this.client.pool.request({
        method: "POST",
        path: `/${this.method.parent.typeName}/${this.method.name}`,
        headers: sent,
        body: encodeEnvelope(0, toBinary(this.method.input, this.request as MessageShape<DescMethod["input"]>)),
        signal: abort.signal,
      });
      const [headers] = splitHeaders(res.headers);
      if (res.statusCode !== 200 || headers["content-type"] !== "application/connect+proto") {
        throw await rejected(res.statusCode, headers, res.body, this.client.maxMessageBytes);
      }
      const reader = new EnvelopeReader(this.client.maxMessageBytes);
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
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
      failure = this.explain(err, abort);
      throw failure;
    } finally {
      // A consumer that stops iterating early (break, throw) cancels the call instead of leaking it.
      if (!ended) this.controller.abort();
      abort.done();
      endCall(span, failure);
    }
  }

  private explain(err: unknown, abort: { explain(err: unknown): GatewayError }): GatewayError {
    if (err instanceof EnvelopeTooLarge) return internal("response message too large");
    if (this.controller.signal.aborted && !(err instanceof GatewayError)) {
      return new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "call cancelled" }, { cause: err });
    }
    return abort.explain(err);
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
