// OpenAI's published OpenAPI document declares `openapi: 3.1.0` but still carries OpenAPI 3.0 and draft 2019-09
// constructs that a JSON Schema 2020-12 validator reads differently from what the API does. This module rewrites
// those constructs into plain 2020-12 so Ajv validates what OpenAI actually sends.

/** A JSON value as parsed from YAML. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The rewritten document plus the `format` names it uses. */
export interface NormalizedSpec {
  readonly document: Json;
  readonly formats: ReadonlySet<string>;
}

const SCHEMAS_PREFIX = "#/components/schemas/";

/**
 * Rewrites an OpenAPI document for a JSON Schema 2020-12 validator:
 * - `nullable: true` (3.0) becomes `anyOf: [<schema>, {type: "null"}]`. Adding "null" to `type` is not enough:
 *   `CreateChatCompletionStreamResponse` has `finish_reason: {type: string, enum: [...], nullable: true}` whose enum
 *   lacks null, and `usage: {$ref: ..., nullable: true}` has no `type` at all; real chunks send null for both.
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0) become the numeric 2020-12 form.
 * - `$recursiveRef: "#"` (2019-09, unknown to 2020-12) becomes a `$ref` to the enclosing component schema, which is
 *   what it means there; `$recursiveAnchor` is dropped.
 */
export function normalizeOpenApi(document: Json): NormalizedSpec {
  const formats = new Set<string>();
  const root = asObject(document);
  const schemas = asObject(asObject(root?.["components"])?.["schemas"]);
  if (root === undefined || schemas === undefined) {
    throw new Error("expected an OpenAPI document with components.schemas");
  }
  const rewritten: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    rewritten[name] = rewrite(schema, `${SCHEMAS_PREFIX}${name}`, formats);
  }
  const components = asObject(root["components"]) ?? {};
  return { document: { ...root, components: { ...components, schemas: rewritten } }, formats };
}

function rewrite(node: Json, enclosing: string, formats: Set<string>): Json {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, enclosing, formats));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    // Only the boolean forms are keywords; an object here is a property that happens to be called so.
    if ((key === "nullable" || key === "$recursiveAnchor") && typeof value === "boolean") continue;
    if (key === "$recursiveRef" && value === "#") {
      out["$ref"] = enclosing;
      continue;
    }
    if (key === "format" && typeof value === "string") formats.add(value);
    out[key] = rewrite(value, enclosing, formats);
  }
  fixExclusiveBound(out, "exclusiveMinimum", "minimum");
  fixExclusiveBound(out, "exclusiveMaximum", "maximum");
  if (node["nullable"] === true) return { anyOf: [out, { type: "null" }] };
  return out;
}

function fixExclusiveBound(schema: Record<string, Json>, exclusive: string, inclusive: string): void {
  const flag = schema[exclusive];
  if (typeof flag !== "boolean") return;
  delete schema[exclusive];
  const bound = schema[inclusive];
  if (flag && typeof bound === "number") {
    schema[exclusive] = bound;
    delete schema[inclusive];
  }
}

function asObject(value: Json | undefined): { [key: string]: Json } | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
