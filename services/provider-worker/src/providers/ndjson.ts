// Newline-delimited JSON streams (Ollama's `/api/chat`): one JSON value per line. Lines split across TCP reads are
// joined here; blank lines are skipped; a line longer than the cap ends the stream with the caller's error.

import { GatewayError } from "@switchyard/runtime";

/** Largest single line, in characters, before the stream is refused. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;

/** How to read one upstream NDJSON stream. */
export interface NdjsonOptions {
  /** Classifies an error thrown by the body (connection reset, abort, idle timeout). */
  readonly fail: (err: unknown) => GatewayError;
  /** Called when a line exceeds `maxLineChars`. */
  readonly tooLarge: () => GatewayError;
  readonly maxLineChars?: number;
}

/**
 * Yields the non-blank lines of a body in order (without their line ends). A last line without a newline is yielded
 * too, so a truncated object fails to parse in the adapter instead of vanishing. Stopping early destroys the body.
 */
export async function* readNdjson(body: AsyncIterable<Uint8Array>, options: NdjsonOptions): AsyncGenerator<string> {
  const max = options.maxLineChars ?? MAX_LINE_CHARS;
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  try {
    for await (const chunk of body) {
      pending += decoder.decode(chunk, { stream: true });
      let end = pending.indexOf("\n");
      while (end >= 0) {
        const line = pending.slice(0, end).trim();
        pending = pending.slice(end + 1);
        if (line) yield line;
        end = pending.indexOf("\n");
      }
      if (pending.length > max) throw options.tooLarge();
    }
  } catch (err) {
    throw err instanceof GatewayError ? err : options.fail(err);
  } finally {
    const destroyable = body as { destroy?: () => void; destroyed?: boolean };
    if (typeof destroyable.destroy === "function" && !destroyable.destroyed) destroyable.destroy();
  }
  const last = (pending + decoder.decode()).trim();
  if (last) yield last;
}
