// Small JSON helpers shared by the request and response codecs: object tests, field paths, the
// hostile-input walk, and the "rest" bookkeeping that carries unmodelled fields in extra_json.

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** Keys that would reach an object's prototype when copied with plain assignment. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The deepest nesting accepted in a request body; deeper values are refused before any recursion. */
export const MAX_DEPTH = 100;

/** Limits of the proto's int32 and uint32 fields. */
export const INT32_MAX = 2 ** 31 - 1;
export const UINT32_MAX = 2 ** 32 - 1;

/** A non-negative integer no larger than max; anything that is not a positive number reads as 0. */
export function clampInt(value: unknown, max: number): number {
  if (typeof value !== "number" || !(value > 0)) return 0;
  return value >= max ? max : Math.floor(value);
}

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The path of a field of the object at `path`, as OpenAI names it: `messages[1].content`. */
export function fieldPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** The path of an element of the array at `path`. */
export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Where a value is unsafe to process, and why. */
export interface Hazard {
  path: string;
  problem: string;
}

/**
 * Finds the first prototype-pollution key or over-deep nesting in a JSON value, in document order.
 * Iterative, so that hostile nesting cannot exhaust the stack.
 */
export function findHazard(value: unknown, maxDepth = MAX_DEPTH): Hazard | undefined {
  // A forbidden key is queued as an item of its own, so that hazards are found in document order.
  type Item = { value: unknown; path: string; depth: number; forbidden?: true };
  const stack: Item[] = [{ value, path: "", depth: 1 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.forbidden) return { path: top.path, problem: "this key is not allowed" };
    if (typeof top.value !== "object" || top.value === null) continue;
    if (top.depth > maxDepth) return { path: top.path || "body", problem: `nested deeper than ${maxDepth} levels` };
    const children: Item[] = [];
    const depth = top.depth + 1;
    if (Array.isArray(top.value)) {
      top.value.forEach((child: unknown, i) => {
        if (typeof child === "object" && child !== null)
          children.push({ value: child, path: itemPath(top.path, i), depth });
      });
    } else {
      for (const [key, child] of Object.entries(top.value)) {
        if (FORBIDDEN_KEYS.has(key))
          children.push({ value: child, path: fieldPath(top.path, key), depth, forbidden: true });
        else if (typeof child === "object" && child !== null)
          children.push({ value: child, path: fieldPath(top.path, key), depth });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
}

/** The fields of `obj` that are not in `known` (prototype keys are never copied), or undefined when none. */
export function restOf(obj: JsonObject, known: ReadonlySet<string>): JsonObject | undefined {
  let rest: JsonObject | undefined;
  for (const key in obj) {
    if (known.has(key) || FORBIDDEN_KEYS.has(key) || !Object.hasOwn(obj, key)) continue;
    rest ??= {};
    rest[key] = obj[key];
  }
  return rest;
}

/**
 * Adds the unmodelled fields of a modelled child object (`stream_options.include_obfuscation`) to the
 * parent's rest under the child's key, so that mergeExtra puts them back inside the child.
 */
export function nestRest(rest: JsonObject | undefined, key: string, child: JsonObject | undefined) {
  if (child === undefined) return rest;
  const out = rest ?? {};
  out[key] = child;
  return out;
}

/** The extra_json text of a rest object: a JSON object, or "" when there is nothing to carry. */
export function toExtraJson(rest: JsonObject | undefined): string {
  if (rest === undefined) return "";
  for (const _ in rest) return JSON.stringify(rest);
  return "";
}

// Characters JSON.stringify escapes in a string: quote, backslash, controls and (lone) surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * A string as a JSON string literal, exactly as JSON.stringify writes it, but about twice as fast
 * for the common string that needs no escaping (ids, model names, most tokens).
 */
export function quoteJson(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Parses JSON text that should hold an object; undefined when it does not. */
export function parseObjectText(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Merges the fields of an extra_json text into `target`. Modelled fields always win: a key already
 * present is kept, a key in `skip` is ignored, and when both sides are objects the merge recurses, so
 * nested unmodelled fields return to their modelled parent. Returns false when the text is not a
 * JSON object.
 */
export function mergeExtra(target: JsonObject, extraJson: string, skip?: ReadonlySet<string>): boolean {
  if (extraJson === "") return true;
  const extra = parseObjectText(extraJson);
  if (extra === undefined) return false;
  mergeInto(target, extra, skip);
  return true;
}

function mergeInto(target: JsonObject, extra: JsonObject, skip?: ReadonlySet<string>): void {
  for (const key of Object.keys(extra)) {
    if (FORBIDDEN_KEYS.has(key) || skip?.has(key)) continue;
    const add = extra[key];
    const have = target[key];
    if (!Object.hasOwn(target, key)) target[key] = add;
    else if (isObject(have) && isObject(add)) mergeInto(have, add);
  }
}
