// Turns the JSON log lines of the services (pino: level, time, service, msg, fields) into one readable terminal
// line each, for `npm start`. Lines that are not JSON objects pass through unchanged.

/** How `formatLogLine` renders. */
export interface PrettyOptions {
  /** Width the label is padded to, so the columns line up. */
  readonly labelWidth: number;
  /** ANSI colours; off when the output is not a terminal. */
  readonly color: boolean;
  /** Colour of the label (ANSI SGR code such as 36 for cyan); ignored without `color`. */
  readonly labelColor?: number;
}

const PINO_LEVELS: Readonly<Record<number, string>> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
const LEVEL_COLORS: Readonly<Record<string, number>> = {
  trace: 90,
  debug: 90,
  info: 32,
  warn: 33,
  error: 31,
  fatal: 31,
};
/** Fields shown elsewhere in the line, or noise in a terminal. */
const HIDDEN_FIELDS = new Set(["level", "time", "msg", "service", "pid", "hostname", "err"]);

/** Label colours handed out to processes in turn: cyan, magenta, blue, yellow, green. */
export const LABEL_COLORS: readonly number[] = [36, 35, 34, 33, 32];

/** Formats one line a process wrote: `router            │ 12:00:01 INFO  listening addr=127.0.0.1:5001`. */
export function formatLogLine(label: string, line: string, options: PrettyOptions): string {
  const paint = (code: number | undefined, text: string) =>
    options.color && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
  const prefix = `${paint(options.labelColor, label.padEnd(options.labelWidth))} ${paint(90, "│")} `;
  const record = parseRecord(line);
  if (record === undefined) return prefix + line;
  const level = levelName(record["level"]);
  const parts = [
    paint(90, clock(record["time"])),
    paint(LEVEL_COLORS[level], level.toUpperCase().padEnd(5)),
    typeof record["msg"] === "string" ? record["msg"] : "",
  ];
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => paint(90, `${key}=`) + renderValue(value));
  let text = prefix + [...parts, ...fields].filter((p) => p !== "").join(" ");
  const err = describeError(record["err"]);
  if (err !== undefined) text += `\n${err.replace(/^/gm, `${" ".repeat(options.labelWidth)} ${paint(90, "│")}   `)}`;
  return text;
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function levelName(level: unknown): string {
  if (typeof level === "string") return level;
  if (typeof level === "number") return PINO_LEVELS[level] ?? String(level);
  return "log";
}

/** `HH:MM:SS.mmm` in local time, from an ISO string or epoch milliseconds; empty when absent. */
function clock(time: unknown): string {
  if (typeof time !== "string" && typeof time !== "number") return "";
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return String(time);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function renderValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function describeError(err: unknown): string | undefined {
  if (err === null || typeof err !== "object") return err === undefined ? undefined : String(err);
  const { stack, message } = err as { stack?: unknown; message?: unknown };
  if (typeof stack === "string") return stack;
  return typeof message === "string" ? message : JSON.stringify(err);
}
