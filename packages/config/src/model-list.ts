// `model_list`: the deployments, their ids, and the model group names fallbacks may refer to.
import { type Context, fail, warn } from "./context.js";
import { readEntry } from "./deployment.js";
import { indexPath, keyPath } from "./paths.js";
import type { Deployment } from "./types.js";
import { describe, isSet } from "./values.js";

/** The model group names declared in `model_list`. */
export interface ModelGroupNames {
  /** Groups with at least one deployment Switchyard serves; may contain wildcard patterns such as `anthropic/*`. */
  readonly served: ReadonlySet<string>;
  /** Groups whose every deployment was skipped for an unsupported provider. */
  readonly skipped: ReadonlySet<string>;
}

/** The deployments Switchyard serves, in file order, and the declared group names. */
export interface ModelList {
  readonly deployments: readonly Deployment[];
  readonly groups: ModelGroupNames;
}

/**
 * Reads `model_list`. Ids are `model_info.id` or `<model_name>/<n>`, where n counts the entries of that
 * group in file order (skipped ones included, so ids stay put when a provider gains an adapter).
 */
export function readModelList(ctx: Context, raw: unknown): ModelList {
  const deployments: Deployment[] = [];
  const skipped = new Set<string>();
  if (isSet(raw) && !Array.isArray(raw))
    fail(ctx, "model_list", `expected a list of deployments, got ${describe(raw)}`);
  const entries: readonly unknown[] = Array.isArray(raw) ? raw : [];
  const counts = new Map<string, number>();
  const idSources = new Map<string, string>();
  entries.forEach((item, i) => {
    const path = indexPath("model_list", i);
    const entry = readEntry(ctx, item, path);
    if (entry === undefined) return;
    const n = counts.get(entry.modelName) ?? 0;
    counts.set(entry.modelName, n + 1);
    if (entry.kind === "skipped") {
      skipped.add(entry.modelName);
      return;
    }
    const id = entry.explicitId ?? `${entry.modelName}/${n}`;
    const idPath = entry.explicitId === undefined ? path : keyPath(keyPath(path, "model_info"), "id");
    const other = idSources.get(id);
    if (other !== undefined) fail(ctx, idPath, `duplicate deployment id "${id}" (also used by ${other})`);
    idSources.set(id, path);
    deployments.push({ id, ...entry.deployment });
  });
  if (deployments.length === 0) warn(ctx, "model_list", "no deployment switchyard can serve; every request will fail");
  const served = new Set(deployments.map((d) => d.modelName));
  return { deployments, groups: { served, skipped: new Set([...skipped].filter((name) => !served.has(name))) } };
}
