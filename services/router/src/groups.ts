import type { Deployment, FallbackRule } from "@switchyard/config";

/** The deployments behind one public model name. */
export interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  /** Sum of the deployments' weights, for weighted random choice. */
  readonly totalWeight: number;
}

/** Resolves requested model names to groups, exact names first, then wildcard patterns. */
export interface ModelGroups {
  /** The group serving `model`, or undefined when none does. */
  resolve(model: string): ModelGroup | undefined;
  /** Names of the concrete (non-wildcard) groups, in config order. */
  names(): string[];
  /** The first deployment of a group by name, for listing. */
  get(name: string): ModelGroup | undefined;
}

const isPattern = (name: string) => name.includes("*");

function matches(pattern: string, model: string): boolean {
  const star = pattern.indexOf("*");
  return (
    model.startsWith(pattern.slice(0, star)) &&
    model.endsWith(pattern.slice(star + 1)) &&
    model.length >= pattern.length - 1
  );
}

/** Groups deployments by `model_name`. Wildcard groups (`*`, `anthropic/*`) match the most specific pattern. */
export function createModelGroups(deployments: readonly Deployment[]): ModelGroups {
  const byName = new Map<string, Deployment[]>();
  for (const d of deployments) {
    const list = byName.get(d.modelName);
    if (list) list.push(d);
    else byName.set(d.modelName, [d]);
  }
  const groups = new Map<string, ModelGroup>();
  for (const [name, list] of byName) {
    groups.set(name, { name, deployments: list, totalWeight: list.reduce((sum, d) => sum + d.weight, 0) });
  }
  // Longer patterns are more specific: "anthropic/*" wins over "*".
  const patterns = [...groups.values()].filter((g) => isPattern(g.name)).sort((a, b) => b.name.length - a.name.length);
  return {
    resolve(model) {
      return groups.get(model) ?? patterns.find((g) => matches(g.name, model));
    },
    names() {
      return [...groups.keys()].filter((n) => !isPattern(n));
    },
    get(name) {
      return groups.get(name);
    },
  };
}

/**
 * The ordered model names to try for a request: the requested group, then its configured fallbacks
 * (or the default fallbacks), without repeats and at most `maxDepth` fallbacks deep.
 */
export function fallbackChain(
  model: string,
  rules: readonly FallbackRule[],
  defaults: readonly string[],
  maxDepth = 5,
): string[] {
  const chain = [model];
  const rule = rules.find((r) => r.from === model);
  for (const next of rule ? rule.to : defaults) {
    if (chain.length > maxDepth) break;
    if (!chain.includes(next)) chain.push(next);
  }
  return chain;
}

/** Weighted random choice among `candidates`; `random` is injectable for tests. */
export function pickWeighted(
  candidates: readonly Deployment[],
  random: () => number = Math.random,
): Deployment | undefined {
  if (candidates.length <= 1) return candidates[0];
  let total = 0;
  for (const d of candidates) total += d.weight;
  let point = random() * total;
  for (const d of candidates) {
    point -= d.weight;
    if (point < 0) return d;
  }
  return candidates[candidates.length - 1];
}
