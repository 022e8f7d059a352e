// Finds a model's catalog price: the exact name, then the name without its snapshot suffix, then the
// provider's `*` entry.
import type { ProviderId } from "@switchyard/config";
import type { Catalog, Price } from "./types.js";

/**
 * A snapshot or alias suffix: OpenAI's `-2024-08-06` and `-0125`, Anthropic's `-20241022`, and `-latest`, or
 * Vertex AI's `@20250929` and `@latest` (`claude-sonnet-4-5@20250929`).
 * Anthropic's `-4-0` aliases are catalog entries instead, as stripping `-0` would misread other names.
 */
const SNAPSHOT_SUFFIX = /(?:-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest)|@(?:\d{8}|latest|default))$/;

/** The names to try for `model`, most specific first: itself, then without its snapshot suffix when it has one. */
export function candidateNames(model: string): string[] {
  const name = model.trim();
  const base = name.replace(SNAPSHOT_SUFFIX, "");
  return base === name || base === "" ? [name] : [name, base];
}

/** The catalog price of `model` at `provider`, or undefined when the catalog has none. */
export function findPrice(catalog: Catalog, provider: ProviderId, model: string): Price | undefined {
  const prices = catalog.prices[provider];
  for (const name of [...candidateNames(model), "*"]) {
    if (Object.hasOwn(prices, name)) return prices[name];
  }
  return undefined;
}
