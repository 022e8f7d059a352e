// What a request may cost at most, priced before it is sent: its counted prompt at the highest input rate, and its
// output limit (times `n`) at the highest output rate, of every deployment it could reach — its model group and every
// group a fallback rule could send it to. Rates come from the same catalog and overrides the provider worker charges
// with (@switchyard/pricing), so a reservation is never below the settled cost of a request that stays within its
// counted prompt and its output limit.

import type { Deployment, RouterSettings } from "@switchyard/config";
import { effectiveRates, resolvePrice } from "@switchyard/pricing";

/** Output tokens reserved for a request that sets no `max_tokens` when its deployments declare no output limit. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

/** What one request may use at most. */
export interface Reservation {
  tokens: number;
  nanos: bigint;
}

/** What a request uses that is priced per unit rather than per token; an absent field is 0. */
export interface PerUnit {
  /** Images it generates, at the per-image price. */
  readonly images?: number;
  /** Milliseconds of audio it sends, at the per-second price. */
  readonly audioMillis?: number;
  /** Units billed per query (a rerank's search units), at the per-query price. */
  readonly queries?: number;
}

/** Prices reservations for model groups. */
export interface ReservationPricer {
  /**
   * The most a request may use: `prompt` tokens plus its output limit (`maxOutput`, else the largest output limit its
   * deployments declare, else the default) times `choices`, and `units` at the dearest price per image, per second
   * of audio and per query.
   */
  reserve(model: string, prompt: number, maxOutput: number, choices: number, units?: PerUnit): Reservation;
}

interface Priced {
  deployment: Deployment;
  price: ReturnType<typeof resolvePrice>["price"];
  maxOutput: number;
}

/** The output limit a deployment declares in `model_info` (`max_output_tokens`, else `max_tokens`); 0 when none. */
function declaredMaxOutput(deployment: Deployment): number {
  for (const field of ["max_output_tokens", "max_tokens"]) {
    const value = deployment.modelInfo[field];
    if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  }
  return 0;
}

/** Model groups a request to `group` could end up in through fallback rules (the group itself included). */
function reachable(group: string, router: RouterSettings): string[] {
  const rules = [...router.fallbacks, ...router.contextWindowFallbacks, ...router.contentPolicyFallbacks];
  const seen = new Set([group]);
  const queue = [group];
  while (queue.length > 0) {
    const from = queue.shift() as string;
    const targets = rules.filter((r) => r.from === from || r.from === "*").flatMap((r) => r.to);
    for (const to of [...targets, ...router.defaultFallbacks]) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return [...seen];
}

/** Creates the pricer for a config's deployments and fallback rules. */
export function createReservationPricer(
  deployments: readonly Deployment[],
  router: RouterSettings,
  defaultMaxOutput = DEFAULT_MAX_OUTPUT_TOKENS,
): ReservationPricer {
  const priced: Priced[] = deployments.map((deployment) => {
    let price: Priced["price"];
    try {
      price = resolvePrice(deployment).price;
    } catch {
      // The worker refuses to start with invalid price fields; here such a deployment simply prices nothing.
      price = undefined;
    }
    return { deployment, price, maxOutput: declaredMaxOutput(deployment) };
  });
  const groups = new Map<string, Priced[]>();
  for (const p of priced) {
    const list = groups.get(p.deployment.modelName);
    if (list) list.push(p);
    else groups.set(p.deployment.modelName, [p]);
  }
  const cache = new Map<string, Priced[]>();
  const candidates = (model: string): Priced[] => {
    let found = cache.get(model);
    if (found) return found;
    // A model no group names exactly is served by a wildcard deployment whose upstream model the catalog may price
    // differently; every deployment is a safe upper bound.
    found = groups.has(model) ? reachable(model, router).flatMap((g) => groups.get(g) ?? []) : priced;
    if (cache.size < 10_000) cache.set(model, found);
    return found;
  };

  return {
    reserve(model, prompt, maxOutput, choices, units = {}) {
      const { images = 0, audioMillis = 0, queries = 0 } = units;
      const list = candidates(model);
      let output = maxOutput;
      if (output <= 0) {
        output = Math.max(0, ...list.map((p) => p.maxOutput));
        if (output === 0) output = defaultMaxOutput;
      }
      const completion = output * Math.max(1, choices);
      let inputRate = 0;
      let outputRate = 0;
      let imageRate = 0;
      let secondRate = 0;
      let queryRate = 0;
      for (const { price } of list) {
        if (!price) continue;
        const rates = effectiveRates(price, prompt);
        inputRate = Math.max(inputRate, rates.input, rates.cacheWrite, rates.inputAudio);
        outputRate = Math.max(outputRate, rates.output, rates.reasoning, rates.outputAudio);
        imageRate = Math.max(imageRate, rates.image);
        secondRate = Math.max(secondRate, rates.inputSecond, rates.outputSecond);
        queryRate = Math.max(queryRate, rates.query);
      }
      const pico =
        BigInt(prompt) * BigInt(inputRate) +
        BigInt(completion) * BigInt(outputRate) +
        BigInt(Math.max(0, images)) * BigInt(imageRate) +
        BigInt(Math.max(0, queries)) * BigInt(queryRate) +
        // Per-second rates apply per millisecond, rounded up here (the charge rounds half up).
        (BigInt(Math.max(0, audioMillis)) * BigInt(secondRate) + 999n) / 1000n;
      // Round up: a reservation must never be below the cost it stands for.
      const nanos = (pico + 999n) / 1000n;
      return { tokens: prompt + completion, nanos };
    },
  };
}
