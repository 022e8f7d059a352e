// Validates JSON against OpenAI's published OpenAPI document (kept outside the repository, in shared/conformance),
// so a test fails when Switchyard sends something an OpenAI client would not get from OpenAI.

import { AssertionError } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Model } from "openai/resources/models";
import { parse } from "yaml";
import { type Json, normalizeOpenApi } from "./conformance-normalize.js";

/** The `$id` the whole OpenAPI document is registered under; schemas are `<id>#/components/schemas/<Name>`. */
export const SPEC_ID = "https://switchyard.dev/conformance/openai-openapi.json";
/** Errors quoted in an assertion message; the rest are counted. */
const MAX_LISTED_ERRORS = 20;

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;

/** The body of an OpenAI error response. */
export interface ErrorResponse {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The body of `GET /v1/models`. */
export interface ModelList {
  object: "list";
  data: Model[];
}

interface Loaded {
  readonly ajv: Ajv;
  readonly schemaNames: ReadonlySet<string>;
  readonly validators: Map<string, ValidateFunction>;
}

// Parsing the 3 MB document takes about a second, so it happens once per process, on first use.
let loaded: Loaded | undefined;

/** Path of the OpenAPI document: `$SWITCHYARD_SHARED_DIR/conformance/openai-openapi.yaml`, else beside the repo. */
export function openApiPath(): string {
  const shared = process.env["SWITCHYARD_SHARED_DIR"];
  if (shared) return join(shared, "conformance", "openai-openapi.yaml");
  return fileURLToPath(new URL("../../../shared/conformance/openai-openapi.yaml", import.meta.url));
}

function load(): Loaded {
  if (loaded) return loaded;
  const path = openApiPath();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new Error(`expected the OpenAI OpenAPI document at ${path} (set SWITCHYARD_SHARED_DIR)`, { cause });
  }
  const raw = parse(text) as Json;
  const version = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw["openapi"] : undefined;
  const { document, formats } = normalizeOpenApi(raw);
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; 3.0 schemas are closest to draft-07, Ajv's default.
  // strict: false ignores the vocabulary Ajv does not know: x-* extensions, discriminator, example, deprecated.
  const options = { strict: false, allErrors: true } as const;
  const ajv = typeof version === "string" && version.startsWith("3.0") ? new Ajv(options) : new Ajv2020(options);
  addFormats(ajv);
  // OpenAPI formats with no JSON Schema meaning (unixtime, png ...) annotate; they must not fail validation.
  for (const format of formats) if (ajv.formats[format] === undefined) ajv.addFormat(format, true);
  ajv.addSchema(document as object, SPEC_ID);
  const schemas = (document as { components: { schemas: Record<string, Json> } }).components.schemas;
  loaded = { ajv, schemaNames: new Set(Object.keys(schemas)), validators: new Map() };
  return loaded;
}

function validator(name: string): ValidateFunction {
  const { ajv, schemaNames, validators } = load();
  const cached = validators.get(name);
  if (cached) return cached;
  if (!schemaNames.has(name)) throw new Error(`expected a schema in components.schemas, got "${name}"`);
  const compiled = ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${name}` });
  validators.set(name, compiled);
  return compiled;
}

/** Throws an AssertionError listing every violation (with its instance path) unless `json` matches schema `name`. */
export function assertSchema(name: string, json: unknown): void {
  const validate = validator(name);
  if (validate(json)) return;
  throw new AssertionError({
    message: formatErrors(name, validate.errors ?? []),
    actual: json,
    expected: `a value matching components.schemas.${name}`,
    operator: "assertSchema",
    stackStartFn: assertSchema,
  });
}

/** Asserts a non-streaming chat completion (`CreateChatCompletionResponse`). */
export function assertChatCompletion(json: unknown): asserts json is ChatCompletion {
  assertSchema("CreateChatCompletionResponse", json);
}

/** Asserts one streamed chunk (`CreateChatCompletionStreamResponse`), including the usage-only last chunk. */
export function assertChatCompletionChunk(json: unknown): asserts json is ChatCompletionChunk {
  assertSchema("CreateChatCompletionStreamResponse", json);
}

/** What a streamed chat completion said, its chunks checked one by one against OpenAI's spec. */
export interface ReadChatStream {
  readonly text: string;
  readonly finish: string | null | undefined;
  readonly usage: ChatCompletionChunk["usage"] | undefined;
  readonly chunks: number;
}

/** Reads a chat stream to its end, asserting every chunk, and returns its first choice's text, finish and usage. */
export async function readChatStream(stream: AsyncIterable<ChatCompletionChunk>): Promise<ReadChatStream> {
  let text = "";
  let finish: string | null | undefined;
  let usage: ChatCompletionChunk["usage"] | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    assertChatCompletionChunk(chunk);
    chunks++;
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { text, finish, usage, chunks };
}

/**
 * Asserts one streamed legacy text completion chunk. OpenAI's spec says streamed and non-streamed completions share
 * `CreateCompletionResponse`, but OpenAI's API (and every client of it) sends `finish_reason: null` on each piece but
 * a choice's last, as in chat chunks, where the spec does declare it nullable. That null is the one allowance: every
 * other violation of CreateCompletionResponse fails.
 */
export function assertCompletionChunk(json: unknown): void {
  const validate = validator("CreateCompletionResponse");
  if (validate(json)) return;
  const choices = (json as { choices?: Array<{ finish_reason?: unknown }> }).choices ?? [];
  const errors = (validate.errors ?? []).filter((e) => {
    const at = /^\/choices\/(\d+)\/finish_reason$/.exec(e.instancePath);
    return !(at && choices[Number(at[1])]?.finish_reason === null);
  });
  if (errors.length === 0) return;
  throw new AssertionError({
    message: formatErrors("CreateCompletionResponse", errors),
    actual: json,
    expected: "a value matching components.schemas.CreateCompletionResponse (finish_reason may be null)",
    operator: "assertCompletionChunk",
    stackStartFn: assertCompletionChunk,
  });
}

/** Asserts a `GET /v1/models` body (`ListModelsResponse`). */
export function assertModelList(json: unknown): asserts json is ModelList {
  assertSchema("ListModelsResponse", json);
}

/** Asserts an error body (`ErrorResponse`): `{ error: { message, type, param, code } }`. */
export function assertErrorResponse(json: unknown): asserts json is ErrorResponse {
  assertSchema("ErrorResponse", json);
}

/** Formats Ajv errors one per line: `/choices/0/message must have required property 'content'`. */
export function formatErrors(name: string, errors: readonly ErrorObject[]): string {
  const lines = errors.slice(0, MAX_LISTED_ERRORS).map((e) => `  ${e.instancePath || "(root)"} ${describe(e)}`);
  if (errors.length > MAX_LISTED_ERRORS) lines.push(`  ... and ${errors.length - MAX_LISTED_ERRORS} more`);
  return `expected a value matching OpenAI schema ${name}, but:\n${lines.join("\n")}`;
}

function describe(error: ErrorObject): string {
  const message = error.message ?? error.keyword;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "enum") return `${message}: ${JSON.stringify(params["allowedValues"])}`;
  if (error.keyword === "additionalProperties") return `${message}: "${String(params["additionalProperty"])}"`;
  return message;
}
