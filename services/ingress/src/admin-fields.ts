// Typed reading of LiteLLM's admin fields. Every field read is remembered; a field nobody read is refused with a
// 400 naming it, because silently dropping an unknown field could drop a limit the caller meant to set. LiteLLM
// fields that Switchyard has no use for are accepted only with their default value, so a script that sends
// `"aliases": {}` works while one that sets aliases learns they are not applied.

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import type { Fields } from "./admin-body.js";
import { MAX_NANOS, parseDollars, parseNanos } from "./admin-money.js";

/** Reads typed fields; each getter returns undefined when the field is absent and null when it is JSON null. */
export interface FieldReader {
  text(name: string): string | null | undefined;
  texts(name: string): string[] | null | undefined;
  flag(name: string): boolean | null | undefined;
  /** A non-negative integer of at most `max`: a JSON integer or a string of digits (query strings are text). */
  count(name: string, max: bigint): bigint | null | undefined;
  /** Dollars in `name` or exact nano-dollars in `name_nanos` (not both). */
  money(name: string): bigint | null | undefined;
  object(name: string): Record<string, unknown> | null | undefined;
  list(name: string): unknown[] | null | undefined;
  /** The field as parsed, for fields of more than one shape. */
  raw(name: string): unknown;
  /** Accepts LiteLLM fields Switchyard ignores, only with a default value: null, "", false, 0, [], {} or `"default"`. */
  ignoreDefaults(names: readonly string[]): void;
  /** Refuses the first field that was neither read nor ignored. */
  done(): void;
}

/** LiteLLM fields accepted whatever their value, because they change nothing Switchyard enforces. */
const ALWAYS_IGNORED: ReadonlySet<string> = new Set(["send_invite_email"]);
const UINT32 = 0xffff_ffffn;

function wrong(name: string, expected: string) {
  return invalidRequest(`${name}: expected ${expected}`, name);
}

function isDefault(value: unknown): boolean {
  if (value === null || value === "" || value === false || value === 0 || value === "default") return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

/** A reader over `fields`; `where` prefixes the names in messages (e.g. "member" for a nested object). */
export function fieldReader(fields: Fields, where = ""): FieldReader {
  const read = new Set<string>();
  const at = (name: string) => (where === "" ? name : `${where}.${name}`);
  const get = (name: string): unknown => {
    read.add(name);
    return Object.hasOwn(fields, name) ? fields[name] : undefined;
  };
  const reader: FieldReader = {
    text(name) {
      const value = get(name);
      if (value === undefined || value === null || typeof value === "string") return value;
      throw wrong(at(name), "a string");
    },
    texts(name) {
      const value = get(name);
      if (value === undefined || value === null) return value;
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
        throw wrong(at(name), "a list of strings");
      return value as string[];
    },
    flag(name) {
      const value = get(name);
      if (value === undefined || value === null || typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      throw wrong(at(name), "true or false");
    },
    count(name, max) {
      const value = get(name);
      if (value === undefined || value === null) return value;
      const text = typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
      if (typeof text !== "string" || !/^\d{1,20}$/.test(text) || BigInt(text) > max) {
        throw wrong(at(name), `an integer from 0 to ${max}`);
      }
      return BigInt(text);
    },
    money(name) {
      const dollars = get(name);
      const nanos = get(`${name}_nanos`);
      if (dollars !== undefined && dollars !== null && nanos !== undefined && nanos !== null) {
        throw invalidRequest(`${at(name)}: give ${name} or ${name}_nanos, not both`, at(name));
      }
      if (nanos !== undefined && nanos !== null) return parseNanos(nanos, at(`${name}_nanos`));
      if (dollars !== undefined && dollars !== null) return parseDollars(dollars, at(name));
      return dollars === null || nanos === null ? null : undefined;
    },
    object(name) {
      const value = get(name);
      if (value === undefined || value === null) return value;
      if (typeof value !== "object" || Array.isArray(value)) throw wrong(at(name), "a JSON object");
      return value as Record<string, unknown>;
    },
    list(name) {
      const value = get(name);
      if (value === undefined || value === null || Array.isArray(value)) return value;
      throw wrong(at(name), "a list");
    },
    raw: get,
    ignoreDefaults(names) {
      for (const name of names) {
        const value = get(name);
        if (value !== undefined && !isDefault(value)) {
          throw invalidRequest(`${at(name)}: not supported by Switchyard; leave it out`, at(name));
        }
      }
    },
    done() {
      for (const name of Object.keys(fields)) {
        if (!read.has(name) && !ALWAYS_IGNORED.has(name)) {
          throw invalidRequest(`${at(name)}: unknown field`, at(name));
        }
      }
    },
  };
  return reader;
}

/**
 * Reads a field that an update may clear with JSON null: returns the value, or records `clearName` in `clear`
 * (updates only; on create null is the same as absent).
 */
export function clearable<T>(value: T | null | undefined, clearName: string, updating: boolean, clear: string[]) {
  if (value === null && updating) clear.push(clearName);
  return value ?? undefined;
}

/** LiteLLM's limit fields as policy Limits; on updates, null clears a limit. */
export function readLimits(r: FieldReader, updating: boolean): { limits: policy.Limits; clear: string[] } {
  const clear: string[] = [];
  const rpm = clearable(r.count("rpm_limit", UINT32), "rpm_limit", updating, clear);
  const parallel = clearable(r.count("max_parallel_requests", UINT32), "max_parallel_requests", updating, clear);
  const limits = create(policy.LimitsSchema, {
    maxBudgetNanos: clearable(r.money("max_budget"), "max_budget", updating, clear),
    softBudgetNanos: clearable(r.money("soft_budget"), "soft_budget", updating, clear),
    budgetDuration: clearable(r.text("budget_duration"), "budget_duration", updating, clear) ?? "",
    rpmLimit: rpm === undefined ? undefined : Number(rpm),
    tpmLimit: clearable(r.count("tpm_limit", MAX_NANOS), "tpm_limit", updating, clear),
    maxParallelRequests: parallel === undefined ? undefined : Number(parallel),
  });
  return { limits, clear };
}

/** Reads `metadata` as the policy's metadata JSON; null (on updates) empties it. */
export function readMetadata(r: FieldReader): string | undefined {
  const metadata = r.object("metadata");
  if (metadata === undefined) return undefined;
  return metadata === null ? "" : JSON.stringify(metadata);
}

/** Most pages a listing may skip to, and the largest page (the policy's). */
const MAX_PAGE = 1_000_000n;
const MAX_PAGE_SIZE = 1000n;

/** A page number (`page`) or size (`size`, `page_size`) from a query: 1 to 1,000,000 or, for sizes, to 1000. */
export function pageParam(r: FieldReader, name: string, fallback: bigint): number {
  const max = name === "page" ? MAX_PAGE : MAX_PAGE_SIZE;
  const value = r.count(name, max) ?? fallback;
  if (value < 1n) throw invalidRequest(`${name}: expected an integer from 1 to ${max}`, name);
  return Number(value);
}

/** A required, non-empty string field. */
export function requiredText(r: FieldReader, name: string): string {
  const value = r.text(name);
  if (value === undefined || value === null || value === "") throw invalidRequest(`${name}: required`, name);
  return value;
}

/** A required, non-empty list of strings. */
export function requiredTexts(r: FieldReader, name: string): string[] {
  const value = r.texts(name);
  if (!value || value.length === 0) throw invalidRequest(`${name}: expected a non-empty list of strings`, name);
  return value;
}
