// Narrowing helpers for provider JSON, so translations read untrusted bodies without `any`.

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** The value as a JSON object, or undefined when it is not one (arrays and null are not). */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The value as an array, or an empty array. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value when it is a string. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The value when it is a finite number. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Parses JSON text, returning undefined instead of throwing. */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses a JSON object carried as text (the proto's `*_json` fields); empty or invalid text gives {}. */
export function objectOf(text: string): JsonObject {
  return (text ? asObject(tryParse(text)) : undefined) ?? {};
}
