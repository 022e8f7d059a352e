// The one place provider ids meet adapters. Adding an id to PROVIDER_IDS in @switchyard/config fails
// the build here until the adapter exists.

import type { ProviderId } from "@switchyard/config";
import { anthropicAdapter } from "./anthropic/index.js";
import { mockAdapter } from "./mock/index.js";
import { openaiAdapter } from "./openai/index.js";
import { compatibleAdapters, compatibleAliases } from "./openai-compatible/index.js";
import type { ProviderAdapter } from "./types.js";

/** Every provider's adapter, keyed by provider id; the values are frozen and shared by all calls. */
export const adapters = Object.freeze({
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  mock: mockAdapter,
  ...compatibleAdapters,
  ...compatibleAliases,
} satisfies Record<ProviderId, ProviderAdapter>);

/** The adapter of a provider; total over ProviderId, so it never returns undefined. */
export function adapterFor(id: ProviderId): ProviderAdapter {
  return adapters[id];
}
