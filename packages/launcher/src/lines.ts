/** Assembles complete lines from stream chunks that may split a line anywhere. */
export interface LineSplitter {
  /** Adds a chunk; calls `onLine` for every line it completes (without the line break). */
  push(chunk: string): void;
  /** Emits a trailing unterminated line, if any; call when the stream ends. */
  flush(): void;
}

/** Creates a line splitter that accepts `\n` and `\r\n` line breaks. */
export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  let partial = "";
  return {
    push(chunk) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) onLine(part.endsWith("\r") ? part.slice(0, -1) : part);
    },
    flush() {
      if (partial !== "") onLine(partial);
      partial = "";
    },
  };
}

/** Keeps the last `limit` lines added, oldest first. */
export interface LineRing {
  add(line: string): void;
  lines(): string[];
}

/** Creates a ring of at most `limit` lines; older lines are dropped first. */
export function createLineRing(limit: number): LineRing {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`expected a positive integer line limit, got ${limit}`);
  const buffer: string[] = [];
  let start = 0;
  return {
    add(line) {
      if (buffer.length < limit) {
        buffer.push(line);
        return;
      }
      buffer[start] = line;
      start = (start + 1) % limit;
    },
    lines() {
      return [...buffer.slice(start), ...buffer.slice(0, start)];
    },
  };
}
