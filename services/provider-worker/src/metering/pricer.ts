// Prices attempts with @switchyard/pricing. Every configured deployment is resolved once at startup (a bad
// price field stops the worker with the config path); wildcard deployments are resolved per upstream model
// on first use, in a bounded cache.

import type { Deployment } from "@switchyard/config";
import { costOf, picoToNanos, type ResolvedPrice, resolvePrice, resolvePrices } from "@switchyard/pricing";
import type { metering } from "@switchyard/proto";
import type { Logger } from "@switchyard/runtime";
import type { Pricer } from "./meter.js";

/** Most distinct upstream models of wildcard deployments whose prices are kept. */
const MAX_WILDCARD_MODELS = 10_000;

/** Creates the worker's pricer, logging unpriced deployments and ignored cost fields once. */
export function createPricer(deployments: readonly Deployment[], log: Logger): Pricer {
  // Resolving every deployment validates every price field at startup, wildcards included; a wildcard's price
  // depends on the upstream model it is called with, so only the others are kept.
  const configured = resolvePrices(deployments);
  for (const d of deployments) if (d.model.includes("*")) configured.delete(d.id);
  const models = new Map<string, ResolvedPrice>();
  const report = (deployment: Deployment, resolved: ResolvedPrice) => {
    for (const warning of resolved.warnings) log.warn({ deployment: deployment.id, warning }, "pricing");
    if (resolved.source === "unpriced") {
      log.warn(
        { deployment: deployment.id, provider: deployment.provider, model: deployment.model },
        "no price known for this model: its usage is recorded with cost 0; set input_cost_per_token and output_cost_per_token",
      );
    }
  };
  for (const deployment of deployments) {
    const resolved = configured.get(deployment.id);
    if (resolved) report(deployment, resolved);
  }
  const priceOf = (deployment: Deployment): ResolvedPrice => {
    const known = configured.get(deployment.id);
    if (known) return known;
    const key = `${deployment.id}\u0000${deployment.model}`;
    let resolved = models.get(key);
    if (!resolved) {
      resolved = resolvePrice(deployment);
      if (models.size >= MAX_WILDCARD_MODELS) models.clear();
      models.set(key, resolved);
      report(deployment, resolved);
    }
    return resolved;
  };
  return {
    charge(deployment: Deployment, tokens: metering.Tokens) {
      // Audio is metered in milliseconds and priced per second.
      const cost = costOf({ ...tokens, seconds: tokens.audioMillis / 1000 }, priceOf(deployment));
      return { costNanos: picoToNanos(cost.pico), version: cost.version };
    },
  };
}
