// Typed readers for YAML values. Each resolves non-secret `os.environ/` references, reports a precise
// error at the given path and returns undefined when the value is absent or invalid.
import { type Context, fail } from "./context.js";
import { resolvePlain } from "./env.js";
import { indexPath, keyPath } from "./paths.js";

/** A YAML map after normalisation: string keys, no prototype-polluting keys. */
export type YamlMap = Readonly<Record<string, unknown>>;

/** True for a plain map produced by the YAML normaliser (not a list, date, set or binary value). */
export function isMap(value: unknown): value is YamlMap {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The own value of `key` in `map`, never an inherited one such as `constructor`. */
export function field(map: YamlMap | undefined, key: string): unknown {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A copy of `value` without the properties whose value is undefined, so optional fields are simply absent. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** True when a field is present with a value; YAML `key:` with nothing after it counts as absent. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The kind of a value for messages that must not show it, such as secrets: `a string`, `a list` ... */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date (quote it to keep it as text)";
  if (value instanceof Uint8Array) return "binary data";
  if (value instanceof Set) return "a set";
  if (isMap(value)) return "a map";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** A short description of a value for error messages: strings quoted and cut at 40 characters, numbers as written. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return kindOf(value);
}

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A number from a YAML number or a plain decimal string (as pydantic accepts and env values arrive); else undefined. */
function numeric(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && NUMERIC.test(value)) return Number(value);
  return undefined;
}

/**
 * Reads a non-empty string. Names (`model_name`, model groups, ids) pass `resolveEnv: false`: LiteLLM never
 * resolves `os.environ/` in them, so neither do we.
 */
export function readText(ctx: Context, raw: unknown, path: string, resolveEnv = true): string | undefined {
  const value = resolveEnv ? resolvePlain(ctx, raw, path) : raw;
  if (!isSet(value)) return undefined;
  if (typeof value === "string" && value.trim() !== "") return value;
  return fail(ctx, path, `expected a non-empty string, got ${describe(value)}`);
}

/** Reads a required non-empty string, reporting a missing one as such. */
export function readRequiredText(ctx: Context, raw: unknown, path: string, resolveEnv = true): string | undefined {
  if (!isSet(raw)) return fail(ctx, path, "missing; expected a non-empty string");
  return readText(ctx, raw, path, resolveEnv);
}

/** Reads an integer in [min, max]; the message names the accepted range. */
export function readInteger(ctx: Context, raw: unknown, path: string, min = 0, max?: number): number | undefined {
  const value = resolvePlain(ctx, raw, path);
  if (!isSet(value)) return undefined;
  const n = numeric(value);
  if (n !== undefined && Number.isSafeInteger(n) && n >= min && (max === undefined || n <= max)) return n;
  const expected =
    max !== undefined
      ? `an integer from ${min} to ${max}`
      : min === 0
        ? "a non-negative integer"
        : `an integer >= ${min}`;
  return fail(ctx, path, `expected ${expected}, got ${describe(value)}`);
}

/** Bounds for `readNumber`: `positive` excludes 0; `min` and `max` are inclusive. */
export interface NumberRange {
  readonly positive?: boolean;
  readonly min?: number;
  readonly max?: number;
}

function rangeText(range: NumberRange): string {
  if (range.positive) return range.max === undefined ? "a positive number" : `a positive number up to ${range.max}`;
  const min = range.min ?? 0;
  return range.max === undefined
    ? min === 0
      ? "a non-negative number"
      : `a number >= ${min}`
    : `a number from ${min} to ${range.max}`;
}

/** Reads a finite number within `range` (non-negative by default). */
export function readNumber(ctx: Context, raw: unknown, path: string, range: NumberRange = {}): number | undefined {
  const value = resolvePlain(ctx, raw, path);
  if (!isSet(value)) return undefined;
  const n = numeric(value);
  const min = range.min ?? 0;
  const ok =
    n !== undefined &&
    Number.isFinite(n) &&
    (range.positive ? n > 0 : n >= min) &&
    (range.max === undefined || n <= range.max);
  return ok ? n : fail(ctx, path, `expected ${rangeText(range)}, got ${describe(value)}`);
}

/** Reads a duration given in seconds (LiteLLM's unit) and returns whole milliseconds; must be positive. */
export function readSecondsAsMs(ctx: Context, raw: unknown, path: string): number | undefined {
  const seconds = readNumber(ctx, raw, path, { positive: true });
  return seconds === undefined ? undefined : Math.max(1, Math.round(seconds * 1000));
}

/** Reads a boolean (YAML 1.1: `true`, `True`, `yes`, `on` ...). */
export function readBoolean(ctx: Context, raw: unknown, path: string): boolean | undefined {
  const value = resolvePlain(ctx, raw, path);
  if (!isSet(value)) return undefined;
  if (typeof value === "boolean") return value;
  // Environment variables are text, so `os.environ/X` holding "true" or "false" counts; a quoted "false"
  // written in the file does not, as LiteLLM would treat that non-empty string as true.
  if (value !== raw && typeof value === "string" && /^(true|false)$/i.test(value))
    return value.toLowerCase() === "true";
  return fail(ctx, path, `expected true or false, got ${describe(value)}`);
}

/** Reads a map; `null` (an empty YAML section) reads as an empty map. */
export function readMap(ctx: Context, raw: unknown, path: string, expected = "a map"): YamlMap | undefined {
  if (raw === undefined || raw === null) return raw === null ? {} : undefined;
  return isMap(raw) ? raw : fail(ctx, path, `expected ${expected}, got ${describe(raw)}`);
}

/** Reads a list of non-empty strings (tags, model groups), reporting each bad item at its own index; no `os.environ/`. */
export function readStringList(ctx: Context, raw: unknown, path: string): string[] | undefined {
  if (!isSet(raw)) return undefined;
  if (!Array.isArray(raw)) return fail(ctx, path, `expected a list of strings, got ${describe(raw)}`);
  const items = raw.map((item, i) => readText(ctx, item, indexPath(path, i), false));
  return items.every((item) => item !== undefined) ? (items as string[]) : undefined;
}

/**
 * Checks that a value kept for downstream services (model_info, extra params) is plain JSON data:
 * strings, finite numbers, booleans, null, lists and maps. Dates, sets and binary values are refused.
 */
export function checkJson(ctx: Context, value: unknown, path: string): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number" && Number.isFinite(value)) return true;
  if (Array.isArray(value)) return value.map((item, i) => checkJson(ctx, item, indexPath(path, i))).every(Boolean);
  if (isMap(value))
    return Object.entries(value)
      .map(([key, item]) => checkJson(ctx, item, keyPath(path, key)))
      .every(Boolean);
  const got = typeof value === "number" ? describe(value) : kindOf(value);
  fail(ctx, path, `expected a string, finite number, boolean, list or map, got ${got}`);
  return false;
}
