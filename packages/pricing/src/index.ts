// @switchyard/pricing: the price catalog, per-deployment overrides and exact integer cost per upstream attempt.
// Pure functions, no I/O: the provider worker resolves each deployment's price at startup and calls costOf
// for every attempt.

export { CATALOG_VERSION, DEFAULT_CATALOG, MOCK_PRICE } from "./catalog.js";
export { costOf, effectiveRates } from "./cost.js";
export { findPrice } from "./lookup.js";
export { formatUsd, parsePico, picoToNanos } from "./money.js";
export { OVERRIDE_FIELDS } from "./overrides.js";
export { resolvePrice, resolvePrices } from "./resolve.js";
export * from "./types.js";
