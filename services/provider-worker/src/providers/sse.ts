// The one server-sent-events reader every provider uses. Framing (multi-line `data:`, comments,
// `event:` lines, CR/LF/CRLF, frames split across TCP reads) is eventsource-parser's job; this module
// turns an undici body into an async iterator of events and failures into GatewayErrors.

import { GatewayError } from "@switchyard/runtime";
import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser";

/** Largest single event, in characters, before the stream is refused (and the parser's buffer cap). */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/** One parsed event; `event` is undefined when the frame had no `event:` line. */
export type SseEvent = EventSourceMessage;

/** How to read one upstream stream. */
export interface SseOptions {
  /** Classifies an error thrown by the body (connection reset, abort, idle timeout). */
  readonly fail: (err: unknown) => GatewayError;
  /** Classifies an `event: error` frame; such a frame ends the stream with the returned error. */
  readonly errorEvent?: (data: string) => GatewayError;
  /** Called when an event exceeds `maxEventChars`; the stream ends with the returned error. */
  readonly tooLarge: () => GatewayError;
  readonly maxEventChars?: number;
}

/**
 * Yields the events of an SSE body in order. Comments are dropped. Every failure, including an
 * `error` event, is thrown as a GatewayError. Stopping early (break, return, throw in the consumer)
 * destroys the body, which closes the upstream connection.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>, options: SseOptions): AsyncGenerator<SseEvent> {
  const queue: SseEvent[] = [];
  let parseError: ParseError | undefined;
  const parser = createParser({
    onEvent: (event) => queue.push(event),
    // unknown fields and bad `retry:` values are ignorable per the SSE spec; only the size cap is fatal
    onError: (err) => {
      if (err.type === "max-buffer-size-exceeded") parseError = err;
    },
    maxBufferSize: options.maxEventChars ?? MAX_EVENT_CHARS,
  });
  const decoder = new TextDecoder("utf-8");
  const drain = function* (): Generator<SseEvent> {
    if (parseError) throw options.tooLarge();
    for (const event of queue.splice(0)) {
      if (event.event === "error" && options.errorEvent) throw options.errorEvent(event.data);
      yield event;
    }
  };
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      yield* drain();
    }
  } catch (err) {
    throw err instanceof GatewayError ? err : options.fail(err);
  } finally {
    destroy(body);
  }
  // A clean end dispatches a final frame that lacks its blank line; a truncated frame then fails to
  // parse in the adapter instead of vanishing silently.
  parser.feed(`${decoder.decode()}\n\n`);
  yield* drain();
}

function destroy(body: AsyncIterable<Uint8Array>): void {
  const destroyable = body as { destroy?: () => void; destroyed?: boolean };
  if (typeof destroyable.destroy === "function" && !destroyable.destroyed) destroyable.destroy();
}
