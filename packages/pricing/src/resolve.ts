// Resolves the price of each deployment once at startup: catalog entry, config overrides, or explicitly unpriced.
import { ConfigError, type ConfigIssue, type Deployment } from "@switchyard/config";
import { DEFAULT_CATALOG } from "./catalog.js";
import { findPrice } from "./lookup.js";
import { type Overrides, readOverrides } from "./overrides.js";
import type { Catalog, Price, PriceTier, Rates, ResolvedPrice } from "./types.js";

/** Rates of a deployment priced by config alone: what the config does not set costs nothing. */
const FREE: Rates = { input: 0, output: 0 };

/** `tiers` with `extra` merged in, field by field for equal thresholds, sorted by threshold. */
function mergeTiers(tiers: readonly PriceTier[], extra: readonly PriceTier[]): PriceTier[] {
  const merged = new Map(tiers.map((tier) => [tier.abovePromptTokens, tier.rates]));
  for (const tier of extra) {
    merged.set(tier.abovePromptTokens, { ...merged.get(tier.abovePromptTokens), ...tier.rates });
  }
  return [...merged.entries()]
    .sort(([a], [b]) => a - b)
    .map(([abovePromptTokens, rates]) => ({ abovePromptTokens, rates }));
}

/** `price` (or nothing) with the overridden fields replaced. */
export function applyOverrides(price: Price | undefined, overrides: Overrides): Price {
  return {
    rates: { ...(price?.rates ?? FREE), ...overrides.rates },
    tiers: mergeTiers(price?.tiers ?? [], overrides.tiers),
  };
}

/**
 * The catalog name of a deployment's model: `model_info.base_model` when set (LiteLLM's way to price a custom
 * deployment as a known model; a `<provider>/` prefix is dropped), else the upstream model.
 */
function catalogName(deployment: Deployment): string {
  const base = deployment.modelInfo["base_model"];
  if (typeof base !== "string" || base.trim() === "") return deployment.model;
  const prefix = `${deployment.provider}/`;
  return base.startsWith(prefix) ? base.slice(prefix.length) : base;
}

/**
 * The price of one deployment, meant to be called once at startup. Never undefined: a model with neither a
 * catalog entry nor config prices resolves as `unpriced` (every cost 0) so the caller can warn. Throws a
 * ConfigError naming each invalid price field of the deployment.
 */
export function resolvePrice(deployment: Deployment, catalog: Catalog = DEFAULT_CATALOG): ResolvedPrice {
  const listed = findPrice(catalog, deployment.provider, catalogName(deployment));
  const overrides = readOverrides(deployment);
  const { warnings } = overrides;
  if (overrides.count > 0) {
    const source = listed === undefined ? "config" : "catalog+config";
    return { price: applyOverrides(listed, overrides), version: `${catalog.version}+config`, source, warnings };
  }
  if (listed !== undefined) return { price: listed, version: catalog.version, source: "catalog", warnings };
  return { price: undefined, version: `${catalog.version}:unpriced`, source: "unpriced", warnings };
}

/**
 * The prices of every deployment, by deployment id. Throws one ConfigError listing the invalid price fields
 * of all deployments, so a config with several mistakes is fixed in one pass.
 */
export function resolvePrices(
  deployments: readonly Deployment[],
  catalog: Catalog = DEFAULT_CATALOG,
): Map<string, ResolvedPrice> {
  const prices = new Map<string, ResolvedPrice>();
  const issues: ConfigIssue[] = [];
  for (const deployment of deployments) {
    try {
      prices.set(deployment.id, resolvePrice(deployment, catalog));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return prices;
}
