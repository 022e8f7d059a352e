// Which model groups a list of model entries allows. An entry is a model group name ("gpt-4o"), a wildcard pattern
// as in the gateway config ("openai/*", "*"), LiteLLM's "all-proxy-models", or the name of an access group that
// deployments declare in `model_info.access_groups`; an access group allows every model group with a deployment in
// it (a wildcard group such as "openai/*" allows what its pattern matches).

import type { Deployment } from "@switchyard/config";

/** LiteLLM's name for "every model the gateway serves". */
export const ALL_MODELS = "all-proxy-models";

/** Decides model entries against requested model groups. */
export interface ModelAccess {
  /** Whether `entries` allow `model`; an empty list allows every model. */
  allows(entries: readonly string[], model: string): boolean;
  /** The declared access groups and their model groups, for docs and tests. */
  readonly accessGroups: ReadonlyMap<string, readonly string[]>;
}

/**
 * True when the group pattern `pattern` ("*" matches any run of characters) matches `name`. Matched without regular
 * expressions, in at most O(pattern x name) steps, so no pattern an admin stores can make a check slow.
 */
export function matchesGroup(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The access groups a deployment declares: `model_info.access_groups`, strings only. */
function accessGroupsOf(deployment: Deployment): string[] {
  const raw = deployment.modelInfo["access_groups"];
  return Array.isArray(raw) ? raw.filter((g): g is string => typeof g === "string" && g !== "") : [];
}

/** Builds the access decisions from the gateway's deployments. */
export function createModelAccess(deployments: readonly Deployment[]): ModelAccess {
  const groups = new Map<string, string[]>();
  for (const deployment of deployments) {
    for (const group of accessGroupsOf(deployment)) {
      const models = groups.get(group) ?? [];
      if (!models.includes(deployment.modelName)) models.push(deployment.modelName);
      groups.set(group, models);
    }
  }
  const entryAllows = (entry: string, model: string): boolean => {
    if (entry === ALL_MODELS || matchesGroup(entry, model)) return true;
    return groups.get(entry)?.some((group) => matchesGroup(group, model)) ?? false;
  };
  return {
    allows: (entries, model) => entries.length === 0 || entries.some((entry) => entryAllows(entry, model)),
    accessGroups: groups,
  };
}
