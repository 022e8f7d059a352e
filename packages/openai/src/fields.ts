// Typed field readers that name the offending field on failure. The request codec fails with a 400
// naming the client's field; the response codec fails with UNAVAILABLE naming the upstream's field.

import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { fieldPath, isObject, type JsonObject } from "./json.js";

/** Builds the error for a field at `path` that has a problem ("required", "expected a string"). */
export type Fail = (path: string, problem: string) => GatewayError;

/**
 * Reads fields of a JSON object. JSON null reads as absent, as OpenAI treats null parameters as
 * unset; any other wrong type throws the reader's error naming the field.
 */
export class Fields {
  constructor(readonly fail: Fail) {}

  string(obj: JsonObject, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw this.fail(fieldPath(path, key), "expected a string");
    return value;
  }

  requiredString(obj: JsonObject, key: string, path: string): string {
    const value = this.string(obj, key, path);
    if (value === undefined) throw this.fail(fieldPath(path, key), "required");
    return value;
  }

  boolean(obj: JsonObject, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") throw this.fail(fieldPath(path, key), "expected a boolean");
    return value;
  }

  /** A finite number within [min, max]. */
  number(obj: JsonObject, key: string, path: string, min: number, max: number): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !(value >= min && value <= max))
      throw this.fail(fieldPath(path, key), `expected a number between ${min} and ${max}`);
    return value;
  }

  /** An integer within [min, max]. */
  integer(obj: JsonObject, key: string, path: string, min: number, max: number): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!Number.isInteger(value) || !((value as number) >= min && (value as number) <= max))
      throw this.fail(fieldPath(path, key), `expected an integer between ${min} and ${max}`);
    return value as number;
  }

  object(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw this.fail(fieldPath(path, key), "expected an object");
    return value;
  }

  requiredObject(obj: JsonObject, key: string, path: string): JsonObject {
    const value = this.object(obj, key, path);
    if (value === undefined) throw this.fail(fieldPath(path, key), "required");
    return value;
  }

  array(obj: JsonObject, key: string, path: string): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.fail(fieldPath(path, key), "expected an array");
    return value;
  }

  /** The element itself must be an object. */
  item(value: unknown, path: string): JsonObject {
    if (!isObject(value)) throw this.fail(path, "expected an object");
    return value;
  }
}

/** Reads a client's request: failures are 400 invalid_request_error with `param` set to the path. */
export const clientFields = new Fields((path, problem) => invalidRequest(`${path}: ${problem}`, path));

/** The error for an upstream body the gateway cannot read; retryable like any upstream failure. */
export function invalidUpstream(detail: string, cause?: unknown): GatewayError {
  return new GatewayError(
    { class: llm.ErrorClass.UNAVAILABLE, message: `upstream returned an invalid response: ${detail}` },
    { cause },
  );
}

/** Reads an upstream response: failures are UNAVAILABLE, so the router may retry or fall back. */
export const upstreamFields = new Fields((path, problem) => invalidUpstream(`${path}: ${problem}`));
