// The AWS event-stream framing (application/vnd.amazon.eventstream) of Bedrock's ConverseStream and SageMaker's
// InvokeEndpointWithResponseStream: each message is a prelude (total and headers length, CRC32), typed headers, a
// payload and a message CRC32 (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream).
// Decoding, checksums included, is the AWS SDK's codec (@smithy/core/event-streams); this module only cuts the byte
// stream at message boundaries, with a size cap the SDK's own splitter lacks (it allocates whatever a prelude claims).

import { EventStreamCodec } from "@smithy/core/event-streams";
import { GatewayError } from "@switchyard/runtime";

/** AWS caps a message at 16 MiB of payload and 128 KiB of headers; anything larger is refused. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024 + 128 * 1024 + 16;
/** Prelude (8) + prelude CRC (4) + message CRC (4): the smallest possible message. */
const MIN_MESSAGE_BYTES = 16;

/** One decoded message with the headers every AWS stream uses. */
export interface AwsStreamMessage {
  /** `:message-type`: `event`, `exception` or `error`. */
  readonly messageType: string;
  /** `:event-type` of an event (`contentBlockDelta`, `PayloadPart` ...). */
  readonly eventType?: string;
  /** `:exception-type` of an exception (`throttlingException`, `ModelStreamError` ...). */
  readonly exceptionType?: string;
  /** `:error-code` and `:error-message` of an `error` message. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly payload: Uint8Array;
}

/** How to read one stream. */
export interface EventStreamOptions {
  /** Classifies an error thrown by the body (connection reset, abort, idle timeout). */
  readonly fail: (err: unknown) => GatewayError;
  /** The error for bytes that are not a valid message (bad checksum, truncated, oversized). */
  readonly malformed: (what: string, cause?: unknown) => GatewayError;
  readonly maxMessageBytes?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
const codec = new EventStreamCodec(
  (bytes) => decoder.decode(bytes),
  (text) => encoder.encode(text),
);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function header(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const h = headers[name];
  return h?.type === "string" && typeof h.value === "string" ? h.value : undefined;
}

function decode(bytes: Uint8Array, options: EventStreamOptions): AwsStreamMessage {
  let message: ReturnType<typeof codec.decode>;
  try {
    message = codec.decode(bytes);
  } catch (err) {
    throw options.malformed("invalid event-stream message", err);
  }
  const h = message.headers as Record<string, { type: string; value: unknown }>;
  const fields = {
    eventType: header(h, ":event-type"),
    exceptionType: header(h, ":exception-type"),
    errorCode: header(h, ":error-code"),
    errorMessage: header(h, ":error-message"),
  };
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return { messageType: header(h, ":message-type") ?? "event", ...defined, payload: message.body };
}

/**
 * Yields the messages of an event-stream body in order, whatever TCP did to their boundaries. Failures are thrown
 * as GatewayErrors; a body that ends inside a message is malformed. Stopping early destroys the body, which closes
 * the upstream connection.
 */
export async function* readEventStream(
  body: AsyncIterable<Uint8Array>,
  options: EventStreamOptions,
): AsyncGenerator<AwsStreamMessage> {
  const max = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  let buffered: Uint8Array = new Uint8Array(0);
  try {
    for await (const chunk of body) {
      buffered = concat(buffered, chunk);
      while (buffered.length >= 4) {
        const total = new DataView(buffered.buffer, buffered.byteOffset, 4).getUint32(0, false);
        if (total < MIN_MESSAGE_BYTES || total > max) {
          throw options.malformed(`event-stream message of ${total} bytes is outside 16..${max}`);
        }
        if (buffered.length < total) break;
        const message = decode(buffered.subarray(0, total), options);
        buffered = buffered.subarray(total);
        yield message;
      }
    }
  } catch (err) {
    throw err instanceof GatewayError ? err : options.fail(err);
  } finally {
    destroy(body);
  }
  if (buffered.length > 0) throw options.malformed("stream ended inside an event-stream message");
}

function destroy(body: AsyncIterable<Uint8Array>): void {
  const destroyable = body as { destroy?: () => void; destroyed?: boolean };
  if (typeof destroyable.destroy === "function" && !destroyable.destroyed) destroyable.destroy();
}

/** The payload of a message as JSON text. */
export function payloadText(message: AwsStreamMessage): string {
  return decoder.decode(message.payload);
}
