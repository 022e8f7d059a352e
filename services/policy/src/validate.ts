// Input checks of the admin API. Each failure is an INVALID_REQUEST naming the field and what was expected, and
// never echoes the offending value (it may be hostile, huge, or a secret).

import { invalidRequest } from "@switchyard/runtime";
import { MAX_CREDENTIAL_LENGTH } from "./credentials.js";
import { isDuration } from "./duration.js";

/** Bounds of the admin API's inputs. */
export const BOUNDS = {
  /** Characters of an id (key, team, user or customer). */
  id: 128,
  /** Characters of aliases, e-mail addresses and model entries. */
  text: 256,
  /** Entries of a model list. */
  models: 256,
  /** UTF-8 bytes of a metadata JSON object. */
  metadataBytes: 64 * 1024,
  /** Nesting depth of a metadata JSON object. */
  metadataDepth: 32,
  /** Members of one team. */
  members: 2_000,
  /** Ids (or secrets, or aliases) in one batch call. */
  batch: 1_000,
  /** Largest page of a listing; 0 asks for `defaultPage`. */
  pageSize: 1_000,
  defaultPage: 100,
} as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9_.@+:-]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
/** Money and token limits stay within int64, so every later sum or comparison is exact. */
const MAX_U63 = (1n << 63n) - 1n;

/** Whether `text` has no C0 or C1 control, DEL, line or paragraph separator, or unpaired surrogate. */
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return false;
  }
  return !LONE_SURROGATE.test(text);
}

/** Checks an id: 1-128 characters of [A-Za-z0-9_.@+:-], starting with a letter or digit. */
export function checkId(value: string, field: string): string {
  if (value.length === 0 || value.length > BOUNDS.id || !ID.test(value)) {
    throw invalidRequest(
      `${field}: expected 1-${BOUNDS.id} characters of [A-Za-z0-9_.@+:-] starting with a letter or digit`,
      field,
    );
  }
  return value;
}

/** Checks free text (aliases, e-mail addresses): at most `max` printable characters. */
export function checkText(value: string, field: string, max: number = BOUNDS.text): string {
  if (value.length > max || !isPrintable(value)) {
    throw invalidRequest(`${field}: expected at most ${max} printable characters`, field);
  }
  return value;
}

/** Checks a list's length. */
export function checkCount(list: readonly unknown[], max: number, field: string): void {
  if (list.length > max) throw invalidRequest(`${field}: expected at most ${max} entries`, field);
}

/** Checks a model list (names, patterns or access groups) and drops duplicates, keeping the first of each. */
export function checkModels(list: readonly string[], field: string): string[] {
  checkCount(list, BOUNDS.models, field);
  list.forEach((entry, i) => {
    const at = `${field}[${i}]`;
    if (entry === "") throw invalidRequest(`${at}: expected a model group, pattern or access group`, at);
    checkText(entry, `${field}[${i}]`);
  });
  return [...new Set(list)];
}

/** Checks a "30d"-style duration. */
export function checkDuration(value: string, field: string): string {
  if (!isDuration(value)) {
    throw invalidRequest(`${field}: expected a positive integer of at most 6 digits and s, m, h, d or mo`, field);
  }
  return value;
}

/** Checks a secret presented to look a key up; the message never contains it. */
export function checkSecret(value: string, field: string): string {
  if (value.length === 0 || value.length > MAX_CREDENTIAL_LENGTH) {
    throw invalidRequest(`${field}: expected a key secret of 1-${MAX_CREDENTIAL_LENGTH} characters`, field);
  }
  return value;
}

/** Checks a money or token amount against the int64 range. */
export function checkAmount(value: bigint | undefined, field: string): void {
  if (value !== undefined && value > MAX_U63) throw invalidRequest(`${field}: expected at most 2^63-1`, field);
}

/** Walks parsed JSON without recursion, refusing deep nesting and keys that could pollute prototypes. */
function checkJsonTree(root: unknown, field: string): void {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth > BOUNDS.metadataDepth) {
      throw invalidRequest(`${field}: expected at most ${BOUNDS.metadataDepth} levels of nesting`, field);
    }
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) {
        throw invalidRequest(`${field}: keys "__proto__", "constructor" and "prototype" are not allowed`, field);
      }
      stack.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
}

/**
 * Checks metadata: empty, or a JSON object of at most 64 KiB without "__proto__", "constructor" or "prototype" keys
 * at any depth. Returns it re-serialized, so what is stored is exactly what was checked.
 */
export function checkMetadata(text: string, field: string): string {
  if (text === "") return "";
  if (Buffer.byteLength(text, "utf8") > BOUNDS.metadataBytes) {
    throw invalidRequest(`${field}: expected at most ${BOUNDS.metadataBytes} bytes`, field);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest(`${field}: expected a JSON object`, field);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest(`${field}: expected a JSON object`, field);
  }
  checkJsonTree(parsed, field);
  return JSON.stringify(parsed);
}

/** Checks the names of a `clear` list against those the message allows; returns them as a set. */
export function checkClear(names: readonly string[], allowed: ReadonlySet<string>, field: string): Set<string> {
  checkCount(names, allowed.size, field);
  names.forEach((name, i) => {
    const at = `${field}[${i}]`;
    if (!allowed.has(name)) throw invalidRequest(`${at}: expected one of ${[...allowed].join(", ")}`, at);
  });
  return new Set(names);
}

/** Resolves a page request: size 0 means 100, at most 1000; page 0 means 1. */
export function checkPage(pageSize: number, page: number): { size: number; page: number } {
  if (pageSize > BOUNDS.pageSize) {
    throw invalidRequest(`page_size: expected at most ${BOUNDS.pageSize}`, "page_size");
  }
  return { size: pageSize || BOUNDS.defaultPage, page: page || 1 };
}
