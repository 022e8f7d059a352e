// Per-deployment price overrides in LiteLLM's names, read from `model_info` and `litellm_params` (which the
// config loader keeps in `deployment.modelInfo` and `deployment.params`).
import { ConfigError, type ConfigIssue, type Deployment } from "@switchyard/config";
import { parsePico } from "./money.js";
import type { PriceTier, RateName, Rates } from "./types.js";

/** LiteLLM's cost fields (USD per token, image or second) and the rate each sets. */
export const OVERRIDE_FIELDS: Readonly<Record<string, RateName>> = {
  input_cost_per_token: "input",
  output_cost_per_token: "output",
  cache_read_input_token_cost: "cacheRead",
  cache_creation_input_token_cost: "cacheWrite",
  output_cost_per_reasoning_token: "reasoning",
  input_cost_per_audio_token: "inputAudio",
  output_cost_per_audio_token: "outputAudio",
  input_cost_per_image: "image",
  input_cost_per_second: "inputSecond",
  output_cost_per_second: "outputSecond",
  input_cost_per_query: "query",
};

/** A long-context field, `<token field>_above_<N>k_tokens`, priced when the prompt exceeds N thousand tokens. */
const TIER_FIELD =
  /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(\d{1,6})k_tokens$/;

/** A key that looks like a LiteLLM cost field, for warning about the ones Switchyard does not read. */
const COST_LIKE = /(^|_)cost(_|$)/;

/** The overrides of one deployment: rates and tiers that replace the catalog's, field by field. */
export interface Overrides {
  readonly rates: Partial<Rates>;
  /** Tiers with only the overridden rates set, sorted by threshold. */
  readonly tiers: readonly PriceTier[];
  /** How many fields were read; 0 means the deployment overrides nothing. */
  readonly count: number;
  readonly warnings: readonly string[];
}

type MutableRates = Partial<Record<RateName, number>>;

interface Reading {
  readonly rates: MutableRates;
  readonly tiers: Map<number, MutableRates>;
  readonly issues: ConfigIssue[];
  readonly warnings: string[];
  count: number;
}

/** The rate a field sets, and for a long-context field the prompt size above which it applies. */
interface Target {
  readonly rate: RateName;
  readonly abovePromptTokens?: number;
}

function targetOf(key: string): Target | undefined {
  const direct = Object.hasOwn(OVERRIDE_FIELDS, key) ? OVERRIDE_FIELDS[key] : undefined;
  if (direct !== undefined) return { rate: direct };
  const match = TIER_FIELD.exec(key);
  const rate = match?.[1] === undefined ? undefined : OVERRIDE_FIELDS[match[1]];
  return rate === undefined ? undefined : { rate, abovePromptTokens: Number(match?.[2]) * 1000 };
}

function readField(reading: Reading, key: string, raw: unknown, path: string): void {
  const target = targetOf(key);
  if (target === undefined) {
    if (COST_LIKE.test(key)) reading.warnings.push(`${path}: not a price field switchyard reads; ignored`);
    return;
  }
  let pico: number;
  try {
    pico = parsePico(raw, path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    reading.issues.push(...err.issues);
    return;
  }
  reading.count += 1;
  if (target.abovePromptTokens === undefined) {
    reading.rates[target.rate] = pico;
    return;
  }
  const rates = reading.tiers.get(target.abovePromptTokens) ?? {};
  rates[target.rate] = pico;
  reading.tiers.set(target.abovePromptTokens, rates);
}

/**
 * Reads the price fields of a deployment. A field in both places takes its `litellm_params` value, as LiteLLM
 * applies per-call pricing from `litellm_params` over the model's registered `model_info`. Throws one
 * ConfigError listing every invalid field, each at its config path.
 */
export function readOverrides(deployment: Deployment): Overrides {
  const reading: Reading = { rates: {}, tiers: new Map(), issues: [], warnings: [], count: 0 };
  const sections = [
    ["model_info", deployment.modelInfo],
    ["litellm_params", deployment.params],
  ] as const;
  for (const [section, map] of sections) {
    for (const [key, raw] of Object.entries(map)) {
      if (raw !== null && raw !== undefined) readField(reading, key, raw, `${deployment.source}.${section}.${key}`);
    }
  }
  if (reading.issues.length > 0) throw new ConfigError(reading.issues);
  const tiers = [...reading.tiers.entries()]
    .sort(([a], [b]) => a - b)
    .map(([abovePromptTokens, rates]) => ({ abovePromptTokens, rates }));
  return { rates: reading.rates, tiers, count: reading.count, warnings: reading.warnings };
}
