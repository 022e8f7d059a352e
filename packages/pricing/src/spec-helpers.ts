// Helpers for the pricing tests; not part of the public API.
import assert from "node:assert/strict";
import { ConfigError, type Deployment, type ProviderId } from "@switchyard/config";
import { costOf } from "./cost.js";
import { resolvePrice } from "./resolve.js";
import type { Cost, TokenCounts } from "./types.js";

/** The parts of a deployment a test sets; the rest are fixed. */
export interface DeploymentParts {
  readonly params?: Record<string, unknown>;
  readonly modelInfo?: Record<string, unknown>;
  readonly source?: string;
  readonly id?: string;
}

/** A deployment of `model` at `provider`, as the config loader would build it from `model_list[0]`. */
export function deployment(provider: ProviderId, model: string, parts: DeploymentParts = {}): Deployment {
  return {
    id: parts.id ?? `m/${model}`,
    modelName: "m",
    provider,
    model,
    weight: 1,
    tags: [],
    modelInfo: parts.modelInfo ?? {},
    params: parts.params ?? {},
    source: parts.source ?? "model_list[0]",
  };
}

/** The cost of `tokens` on a deployment of `model` at `provider`, priced by the built-in catalog. */
export function cost(provider: ProviderId, model: string, tokens: TokenCounts, parts?: DeploymentParts): Cost {
  return costOf(tokens, resolvePrice(deployment(provider, model, parts)));
}

/** The breakdown of a cost without its zero classes, as plain numbers, for compact assertions. */
export function nonZero(c: Cost): Record<string, number> {
  return Object.fromEntries(
    Object.entries(c.breakdown)
      .filter(([, pico]) => pico !== 0n)
      .map(([name, pico]) => [name, Number(pico)]),
  );
}

/** The message of the ConfigError that `run` throws; fails on success or on any other error. */
export function configErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected a ConfigError");
}
