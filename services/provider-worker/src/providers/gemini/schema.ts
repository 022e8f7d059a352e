// JSON Schema (as OpenAI clients write tool parameters and json_schema response formats) -> Gemini's `Schema`,
// the OpenAPI 3.0 subset that functionDeclarations[].parameters and generationConfig.responseSchema take
// (https://ai.google.dev/api/caching#Schema). Gemini refuses unknown keywords ("Unknown name
// additionalProperties"), so only the documented ones are kept; `$ref`s into `$defs` are inlined, and
// JSON Schema's nullable spellings (`type: [T, "null"]`, `anyOf: [..., {type: null}]`) become `nullable`.

import { type DeploymentRef, translationError } from "../errors.js";
import { asObject, type JsonObject } from "../json.js";

/** Keywords of Gemini's Schema whose values are plain data (not nested schemas). */
const DATA_KEYS = new Set([
  "type",
  "format",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "required",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "default",
  "minimum",
  "maximum",
  "propertyOrdering",
]);

/** Deepest nesting (and `$ref` expansion) accepted; a recursive `$ref` cannot be inlined and hits it. */
const MAX_DEPTH = 32;

interface Walk {
  readonly defs: JsonObject;
  readonly dep: DeploymentRef;
  readonly param: string;
}

/** Translates one JSON Schema object; throws INVALID_REQUEST naming `param` for a schema Gemini cannot take. */
export function toGeminiSchema(schema: JsonObject, dep: DeploymentRef, param: string): JsonObject {
  const defs = { ...asObject(schema.definitions), ...asObject(schema.$defs) };
  return convert(schema, { defs, dep, param }, 0);
}

function convert(schema: JsonObject, walk: Walk, depth: number): JsonObject {
  if (depth > MAX_DEPTH) {
    throw translationError(walk.dep, `${walk.param} is nested too deeply or has a recursive $ref`, walk.param);
  }
  const resolved = resolveRef(schema, walk);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resolved)) {
    if (DATA_KEYS.has(key)) out[key] = value;
    else if (key === "const") out.enum = [value];
    else if (key === "items" && asObject(value)) out.items = convert(asObject(value)!, walk, depth + 1);
    else if (key === "properties" && asObject(value)) out.properties = convertEach(asObject(value)!, walk, depth);
    else if (key === "anyOf" || key === "oneOf") Object.assign(out, convertAnyOf(value, walk, depth));
  }
  return normaliseType(out);
}

function convertEach(properties: JsonObject, walk: Walk, depth: number): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(properties)) out[name] = convert(asObject(value) ?? {}, walk, depth + 1);
  return out;
}

/** `anyOf` without its `{type: "null"}` member; a single remaining member is merged in. */
function convertAnyOf(value: unknown, walk: Walk, depth: number): JsonObject {
  const members = (Array.isArray(value) ? value : []).map((m) => asObject(m) ?? {});
  const nonNull = members.filter((m) => m.type !== "null");
  const nullable = nonNull.length < members.length ? { nullable: true } : {};
  if (nonNull.length === 1) return { ...convert(nonNull[0]!, walk, depth + 1), ...nullable };
  return { anyOf: nonNull.map((m) => convert(m, walk, depth + 1)), ...nullable };
}

function resolveRef(schema: JsonObject, walk: Walk): JsonObject {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : asObject(walk.defs[name]);
  if (!target) throw translationError(walk.dep, `${walk.param} has a $ref that is not into $defs: ${ref}`, walk.param);
  const { $ref: _ref, ...siblings } = schema;
  return { ...target, ...siblings };
}

/** `type: ["string", "null"]` -> `type: "string", nullable: true`; several types become an `anyOf`. */
function normaliseType(schema: JsonObject): JsonObject {
  if (!Array.isArray(schema.type)) return schema;
  const { type: _type, ...rest } = schema;
  const types = schema.type.filter((t) => t !== "null");
  const out: JsonObject =
    types.length === 1 ? { ...rest, type: types[0] } : { ...rest, anyOf: types.map((type) => ({ type })) };
  if (types.length < schema.type.length) out.nullable = true;
  return out;
}
