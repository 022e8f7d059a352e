// YAML text -> plain JS data, read as PyYAML (and so LiteLLM) reads it, with limits for hostile input:
// alias expansion is capped, nesting depth is capped, recursive aliases and prototype-polluting keys are refused.
import { LineCounter, parseDocument, type Tags, type YAMLError } from "yaml";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { indexPath, keyPath } from "./paths.js";
import { describe } from "./values.js";

/** Alias expansions allowed per document; the `yaml` package's default, ample for real configs. */
const MAX_ALIAS_COUNT = 100;

/** Deepest nesting accepted; LiteLLM configs rarely go past 6 levels. */
const MAX_DEPTH = 64;

/** Keys that would reach `Object.prototype` if a consumer copied the map naively. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

const BOOL_TAG = "tag:yaml.org,2002:bool";

// YAML 1.1 also makes `y`, `Y`, `n` and `N` booleans; PyYAML does not, so neither do we.
const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === "string" || tag.tag !== BOOL_TAG || !("test" in tag) || !tag.test) return tag;
    return { ...tag, test: tag.test.test("true") ? PYYAML_TRUE : PYYAML_FALSE };
  });
}

function yamlIssue(error: YAMLError, lines: LineCounter): ConfigIssue {
  const { line, col } = lines.linePos(error.pos[0]);
  // Some messages end with the offending token (`...in YAML stream: "sk-..."`), which may be a secret.
  const text = (error.message.split("\n")[0] ?? error.code).replace(/:\s*".*$/, "");
  return { path: `line ${line}, column ${col}`, reason: text.charAt(0).toLowerCase() + text.slice(1) };
}

interface Walk {
  readonly issues: ConfigIssue[];
  readonly ancestors: Set<object>;
}

function scalarKey(walk: Walk, key: unknown, path: string): string | undefined {
  if (typeof key === "string") return key;
  if (typeof key === "number" || typeof key === "boolean") return String(key);
  walk.issues.push({ path, reason: `expected a string key, got ${describe(key)}` });
  return undefined;
}

function normaliseMap(walk: Walk, map: Map<unknown, unknown>, path: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of map) {
    const key = scalarKey(walk, rawKey, path);
    if (key === undefined) continue;
    const at = keyPath(path, key);
    if (FORBIDDEN_KEYS.has(key)) walk.issues.push({ path: at, reason: `key "${key}" is not allowed` });
    else if (Object.hasOwn(out, key)) walk.issues.push({ path: at, reason: "duplicate key" });
    else out[key] = normalise(walk, value, at, depth + 1);
  }
  return out;
}

/** Turns `Map`s from the parser into plain objects with string keys, checking depth, cycles and keys. */
function normalise(walk: Walk, value: unknown, path: string, depth: number): unknown {
  if (!(value instanceof Map) && !Array.isArray(value)) return value;
  if (depth > MAX_DEPTH) {
    walk.issues.push({ path, reason: `nested deeper than ${MAX_DEPTH} levels` });
    return null;
  }
  if (walk.ancestors.has(value)) {
    walk.issues.push({ path, reason: "recursive yaml alias" });
    return null;
  }
  walk.ancestors.add(value);
  const out =
    value instanceof Map
      ? normaliseMap(walk, value, path, depth)
      : value.map((item, i) => normalise(walk, item, indexPath(path, i), depth + 1));
  walk.ancestors.delete(value);
  return out;
}

/** Why building JS data failed, without repeating document text (the parser's message names the alias). */
function toJsFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  if (message.startsWith("Unresolved alias"))
    return "unresolved yaml alias; an anchor must be defined before its alias";
  if (message.startsWith("Excessive alias count")) {
    return `yaml aliases expand to too much data (limit ${MAX_ALIAS_COUNT} alias uses); refusing a possible alias bomb`;
  }
  return "could not build data from the yaml";
}

function toData(text: string, source: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    customTags: pyyamlBooleans,
    lineCounter: lines,
    prettyErrors: false,
  });
  // PyYAML's safe_load refuses tags it cannot construct (`!!python/object`); the yaml package only warns.
  const unresolved = doc.warnings.filter((w) => w.code === "TAG_RESOLVE_FAILED");
  const problems = [...doc.errors, ...unresolved].map((error) => yamlIssue(error, lines));
  if (problems.length > 0) throw new ConfigError(problems, source);
  try {
    return doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ConfigError([{ path: "", reason: toJsFailure(err) }], source, { cause: err });
  }
}

/**
 * Parses YAML 1.1 text into plain data (maps become objects with string keys). Throws a `ConfigError`
 * for syntax errors (with line and column), unknown tags, alias bombs, recursion and forbidden keys.
 */
export function parseYaml(text: string, source: string): unknown {
  let data: unknown;
  try {
    data = toData(text, source);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // The parser reports most failures as errors; this is the net for the rest (such as stack exhaustion).
    const reason = `could not parse the yaml: ${err instanceof Error ? err.message : String(err)}`;
    throw new ConfigError([{ path: "", reason }], source, { cause: err });
  }
  const walk: Walk = { issues: [], ancestors: new Set() };
  const value = normalise(walk, data, "", 0);
  if (walk.issues.length > 0) throw new ConfigError(walk.issues, source);
  return value;
}
