// Fallback rules in LiteLLM's form, a list of single-key maps: `fallbacks: [{"gpt-3.5-turbo": ["gpt-4"]}]`.
// Every named group must exist in model_list (or match a wildcard group there).
import { type Context, fail, warn } from "./context.js";
import type { ModelGroupNames } from "./model-list.js";
import { indexPath, keyPath } from "./paths.js";
import type { FallbackRule } from "./types.js";
import { describe, isMap, isSet, readStringList } from "./values.js";

/** LiteLLM's catch-all rule key: `{"*": [...]}` applies to every group without a rule of its own. */
const ANY_GROUP = "*";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** True when the group pattern `pattern` (`*` matches any run of characters) matches `name`. */
export function matchesGroup(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  return new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s").test(name);
}

type GroupStatus = "served" | "skipped" | "unknown";

function groupStatus(groups: ModelGroupNames, name: string): GroupStatus {
  if (groups.served.has(name)) return "served";
  if ([...groups.served].some((pattern) => matchesGroup(pattern, name))) return "served";
  if ([...groups.skipped].some((pattern) => matchesGroup(pattern, name))) return "skipped";
  return "unknown";
}

/** Keeps the names of served groups; warns for (and drops) skipped ones; reports unknown ones as errors. */
function checkTargets(ctx: Context, names: readonly string[], path: string, groups: ModelGroupNames): string[] {
  return names.filter((name, i) => {
    const status = groupStatus(groups, name);
    if (status === "unknown") fail(ctx, indexPath(path, i), `unknown model group "${name}"`);
    if (status === "skipped") {
      warn(ctx, indexPath(path, i), `model group "${name}" has no supported deployment; dropped from this fallback`);
    }
    return status === "served";
  });
}

function readRule(ctx: Context, raw: unknown, path: string, groups: ModelGroupNames): FallbackRule | undefined {
  const keys = isMap(raw) ? Object.keys(raw) : [];
  if (!isMap(raw) || keys.length !== 1) {
    const got = isMap(raw) ? `a map with ${keys.length} keys` : describe(raw);
    return fail(ctx, path, `expected a map with one model group, such as {"gpt-4": ["gpt-3.5-turbo"]}, got ${got}`);
  }
  const from = keys[0] ?? "";
  const toPath = keyPath(path, from);
  const rawTo = raw[from];
  if (!Array.isArray(rawTo)) return fail(ctx, toPath, `expected a list of model groups, got ${describe(rawTo)}`);
  if (rawTo.length === 0) return fail(ctx, toPath, "expected at least one model group");
  const names = readStringList(ctx, rawTo, toPath);
  if (names === undefined) return undefined;
  const status = from === ANY_GROUP ? "served" : groupStatus(groups, from);
  if (status === "unknown") return fail(ctx, path, `unknown model group "${from}"`);
  const to = checkTargets(ctx, names, toPath, groups);
  if (status === "skipped") warn(ctx, path, `model group "${from}" has no supported deployment; rule ignored`);
  return status === "served" && to.length > 0 ? { from, to } : undefined;
}

/** Reads a LiteLLM fallback list at `path` into ordered rules; one rule per group, as LiteLLM uses only the first. */
export function readFallbackRules(ctx: Context, raw: unknown, path: string, groups: ModelGroupNames): FallbackRule[] {
  if (!isSet(raw)) return [];
  if (!Array.isArray(raw)) {
    return (
      fail(ctx, path, `expected a list of maps such as [{"gpt-4": ["gpt-3.5-turbo"]}], got ${describe(raw)}`) ?? []
    );
  }
  const rules: FallbackRule[] = [];
  const seen = new Map<string, string>();
  raw.forEach((item, i) => {
    const at = indexPath(path, i);
    const rule = readRule(ctx, item, at, groups);
    if (rule === undefined) return;
    const earlier = seen.get(rule.from);
    if (earlier !== undefined) fail(ctx, at, `duplicate rule for model group "${rule.from}" (also ${earlier})`);
    seen.set(rule.from, at);
    rules.push(rule);
  });
  return rules;
}

/** Reads `default_fallbacks`, a list of model group names tried when a group has no rule of its own. */
export function readDefaultFallbacks(ctx: Context, raw: unknown, path: string, groups: ModelGroupNames): string[] {
  const names = readStringList(ctx, raw, path);
  return names === undefined ? [] : checkTargets(ctx, names, path, groups);
}
