// LiteLLM's routing strategies (`router_settings.routing_strategy`): which healthy deployment of a model group gets
// the next attempt. Every strategy breaks ties by weighted random choice, so equal deployments share the load.

import type { Deployment } from "@switchyard/config";
import { resolvePrice } from "@switchyard/pricing";
import { pickWeighted } from "./groups.js";
import type { DeploymentStats } from "./stats.js";

/** Chooses the deployment for the next attempt. */
export interface Picker {
  /** One of `candidates` (healthy, not yet tried where possible); undefined when none may take a request now. */
  pick(candidates: readonly Deployment[]): Deployment | undefined;
}

/** Options of the strategies. */
export interface PickerOptions {
  random?: () => number;
  /**
   * `latency-based-routing`: deployments within this fraction of the fastest count as equally fast
   * (`routing_strategy_args.lowest_latency_buffer` in LiteLLM; default 0).
   */
  latencyBuffer?: number;
}

/** Ties: every candidate whose score is within `tolerance` of the best, chosen by weight. */
function best(
  candidates: readonly Deployment[],
  score: (d: Deployment) => number,
  random: () => number,
  tolerance = 0,
): Deployment | undefined {
  if (candidates.length <= 1) return candidates[0];
  const scores = candidates.map(score);
  const min = Math.min(...scores);
  const limit = Number.isFinite(min) ? min * (1 + tolerance) : min;
  return pickWeighted(
    candidates.filter((_, i) => (scores[i] as number) <= limit),
    random,
  );
}

/** Price of a deployment per token, input plus output, in pico-dollars; unpriced deployments are the dearest. */
function unitPrice(deployment: Deployment): number {
  try {
    const price = resolvePrice(deployment).price;
    return price ? price.rates.input + price.rates.output : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The picker of a strategy named as in LiteLLM's config (the config loader has already refused unknown names). */
export function createPicker(strategy: string, stats: DeploymentStats, options: PickerOptions = {}): Picker {
  const random = options.random ?? Math.random;
  switch (strategy) {
    case "least-busy":
      return { pick: (candidates) => best(candidates, (d) => stats.inFlight(d.id), random) };
    case "latency-based-routing":
      return {
        // A deployment without a sample yet scores 0: it is tried, and then measured.
        pick: (candidates) => best(candidates, (d) => stats.latencyMs(d.id) ?? 0, random, options.latencyBuffer ?? 0),
      };
    case "cost-based-routing": {
      const prices = new Map<string, number>();
      const price = (d: Deployment) => {
        let p = prices.get(d.id);
        if (p === undefined) {
          p = unitPrice(d);
          prices.set(d.id, p);
        }
        return p;
      };
      return { pick: (candidates) => best(candidates, price, random) };
    }
    case "usage-based-routing":
    case "usage-based-routing-v2":
      return {
        pick(candidates) {
          // A deployment at its `rpm` or `tpm` takes nothing more this minute; the others by the larger share of either
          // they used (the least headroom decides).
          const used = (d: Deployment) =>
            Math.max(
              d.rpm === undefined ? 0 : stats.requestsLastMinute(d.id) / d.rpm,
              d.tpm === undefined ? 0 : stats.tokensLastMinute(d.id) / d.tpm,
            );
          return best(
            candidates.filter((d) => used(d) < 1),
            used,
            random,
          );
        },
      };
    default:
      return { pick: (candidates) => pickWeighted(candidates, random) };
  }
}

/**
 * Tag-based routing: a request with tags goes to the deployments sharing at least one of them; when none does, to
 * the deployments tagged `default`, else to every deployment. A request without tags may use every deployment.
 */
export function byTags(deployments: readonly Deployment[], tags: readonly string[]): readonly Deployment[] {
  if (tags.length === 0) return deployments;
  const matching = deployments.filter((d) => d.tags.some((t) => tags.includes(t)));
  if (matching.length > 0) return matching;
  const fallback = deployments.filter((d) => d.tags.includes("default"));
  return fallback.length > 0 ? fallback : deployments;
}
