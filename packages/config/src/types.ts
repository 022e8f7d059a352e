// The normalised gateway configuration every service reads. `load.ts` builds it from a LiteLLM-shaped
// YAML file; nothing downstream sees raw YAML.

/** Providers with an adapter in the provider worker. Adding one here forces an adapter entry there. */
export const PROVIDER_IDS = [
  "openai",
  "anthropic",
  "mock",
  "gemini",
  "vertex_ai",
  "bedrock",
  "sagemaker",
  "azure",
  "azure_ai",
  "cohere",
  "cohere_chat",
  // Embeddings and rerank providers, and LiteLLM's text completion ids:
  "jina_ai",
  "voyage",
  "infinity",
  "text-completion-codestral",
  "text-completion-openai",
  // OpenAI-compatible providers (data entries over the OpenAI adapter):
  "mistral",
  "codestral",
  "meta_llama",
  "anyscale",
  "databricks",
  "nvidia_nim",
  "nscale",
  "xai",
  "lm_studio",
  "cerebras",
  "volcengine",
  "perplexity",
  "friendliai",
  "galadriel",
  "groq",
  "github",
  "deepseek",
  "fireworks_ai",
  "clarifai",
  "hosted_vllm",
  "llamafile",
  "xinference",
  "deepinfra",
  "together_ai",
  "novita",
  "baseten",
  "openrouter",
  "sambanova",
  "featherless_ai",
  "nebius",
  "openai_like",
  "vllm",
  "custom_openai",
  "ollama",
  "ollama_chat",
  "huggingface",
  "watsonx",
  "cloudflare",
  "ai21",
  "ai21_chat",
  "deepgram",
  "elevenlabs",
  "topaz",
  // TGI-like "generate" APIs:
  "triton",
  "predibase",
  "petals",
  // Prompt-completion and Cortex APIs with their own wire formats:
  "nlp_cloud",
  "aleph_alpha",
  "snowflake",
  // Predictions APIs:
  "replicate",
] as const;

/** A provider Switchyard can call. */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** A reference to a secret: an environment variable name (`os.environ/NAME`) or, discouraged, a literal. */
export type SecretRef = { readonly env: string } | { readonly value: string };

/** One deployment: a concrete upstream model behind a public model group. */
export interface Deployment {
  /** Stable id: `model_info.id` when given, else `<model_name>/<index among that group>`. */
  readonly id: string;
  /** The public model group (`model_name`); may be a wildcard such as `*` or `anthropic/*`. */
  readonly modelName: string;
  readonly provider: ProviderId;
  /** The upstream model name, without the provider prefix. */
  readonly model: string;
  readonly apiBase?: string;
  readonly apiKey?: SecretRef;
  /**
   * Credentials besides `api_key`, by their LiteLLM names (`aws_secret_access_key`, `vertex_credentials` ...):
   * references, resolved only by the provider worker.
   */
  readonly credentials?: Readonly<Record<string, SecretRef>>;
  readonly apiVersion?: string;
  readonly organization?: string;
  readonly rpm?: number;
  readonly tpm?: number;
  /** Relative weight for weighted random choice; default 1. */
  readonly weight: number;
  readonly timeoutMs?: number;
  readonly streamTimeoutMs?: number;
  readonly maxRetries?: number;
  readonly tags: readonly string[];
  /** `worker_pool`: the named pool of provider workers that calls this deployment; the default pool when unset. */
  readonly workerPool?: string;
  /** `model_info` as given (mode, supports_vision, max_tokens ...). */
  readonly modelInfo: Readonly<Record<string, unknown>>;
  /** Remaining `litellm_params` the adapter may read (for example `mock_latency_ms`); never secrets. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Where it was declared, for messages: `model_list[2]`. */
  readonly source: string;
}

/** An ordered fallback rule: when `from` fails retryably, try the groups in `to` in order. */
export interface FallbackRule {
  readonly from: string;
  readonly to: readonly string[];
}

/** Routing and resilience settings (`router_settings`, with `litellm_settings` as LiteLLM reads it). */
export interface RouterSettings {
  readonly routingStrategy: string;
  /** `enable_tag_filtering`: request tags narrow a group to the deployments sharing one (default false, as LiteLLM). */
  readonly tagFiltering?: boolean;
  /** `routing_strategy_args.lowest_latency_buffer`: latency-based routing's tolerance band, a fraction >= 0. */
  readonly latencyBuffer?: number;
  /** `retry_after`: the least time (seconds) before a retry within a model group. */
  readonly retryAfterSeconds?: number;
  readonly numRetries: number;
  /** Per-attempt timeout (`timeout`). */
  readonly timeoutMs: number;
  /** Longest silence between two chunks of a stream (`stream_timeout`). */
  readonly streamTimeoutMs?: number;
  /** TCP and TLS connect to an upstream (`connect_timeout`). */
  readonly connectTimeoutMs?: number;
  /** A streamed attempt's wait for its first chunk (`first_token_timeout`). */
  readonly firstTokenTimeoutMs?: number;
  /** The whole request, every attempt and the full stream (`total_timeout`); propagated as the Connect deadline. */
  readonly totalTimeoutMs?: number;
  /** `model_group_timeouts`: any of the above per model group (or wildcard group pattern). */
  readonly modelGroupTimeouts?: Readonly<Record<string, GroupTimeouts>>;
  readonly fallbacks: readonly FallbackRule[];
  readonly contextWindowFallbacks: readonly FallbackRule[];
  readonly contentPolicyFallbacks: readonly FallbackRule[];
  readonly defaultFallbacks: readonly string[];
  /** Failures within the breaker window before a deployment's breaker opens (`allowed_fails`). */
  readonly allowedFails?: number;
  /** Seconds an open breaker waits before a probe (`cooldown_time`). */
  readonly cooldownTimeSeconds?: number;
  /** `circuit_breaker`: the breakers' thresholds; each unset one keeps its default. */
  readonly circuitBreaker?: {
    readonly errorThresholdPercentage?: number;
    readonly volumeThreshold?: number;
    readonly windowMs?: number;
    readonly resetTimeoutMs?: number;
  };
}

/**
 * JWT auth (`general_settings.litellm_jwtauth` with `enable_jwt_auth: true`). Claim fields are claim names or dotted
 * paths into nested claims (`realm_access.roles`).
 */
export interface JwtAuthSettings {
  /** The JWKS document: https, or http for a loopback host. */
  readonly jwksUrl: string;
  /** The required `iss`. */
  readonly issuer: string;
  /** Accepted `aud` values; a token must name at least one. */
  readonly audience: readonly string[];
  /** Accepted signature algorithms, all asymmetric; default RS256 and ES256. */
  readonly algorithms: readonly string[];
  /** Tolerated clock skew on `exp` and `nbf`, 0 to 300; default 30. */
  readonly clockSkewSeconds: number;
  /** The claim holding the user id; default `sub`. */
  readonly userIdField: string;
  /** The claim holding one team id. */
  readonly teamIdField?: string;
  /** The claim holding a list of team ids. */
  readonly teamIdsField?: string;
  /** The claim holding the user's e-mail address. */
  readonly userEmailField?: string;
  /** The claim holding the caller's roles (a list or one string). */
  readonly rolesField?: string;
  /** Role values that make the caller a proxy admin. */
  readonly adminRoles: readonly string[];
  /** The claim holding a list of models the token may call. */
  readonly allowedModelsField?: string;
}

/** The timeouts one model group overrides (`router_settings.model_group_timeouts.<group>`). */
export interface GroupTimeouts {
  readonly attemptMs?: number;
  readonly idleMs?: number;
  readonly connectMs?: number;
  readonly firstTokenMs?: number;
  readonly totalMs?: number;
}

/** Gateway-wide settings (`general_settings`). */
export interface GeneralSettings {
  readonly masterKey?: SecretRef;
  /** Largest accepted request body; default 10 MiB. */
  readonly maxRequestBodyBytes: number;
  /** JWT auth; absent unless `enable_jwt_auth` is true. */
  readonly jwtAuth?: JwtAuthSettings;
  /**
   * `allow_requests_on_db_unavailable`: while the policy service or NATS is unreachable, serve keys whose decision
   * the ingress has cached and skip their limits, instead of answering 503 (fail closed, the default).
   */
  readonly allowRequestsOnDbUnavailable: boolean;
  /** Background health checks of every deployment; absent unless `background_health_checks` is true. */
  readonly backgroundHealthChecks?: BackgroundHealthChecks;
}

/** `general_settings.background_health_checks: true`: the router probes every deployment in the background. */
export interface BackgroundHealthChecks {
  /** `health_check_interval`: the time between two probes of one deployment; default 300 s, as in LiteLLM. */
  readonly intervalMs: number;
}

/** A non-fatal finding: a key Switchyard ignores, or a discouraged form it accepts. */
export interface ConfigWarning {
  /** The config path, e.g. `litellm_settings.callbacks`. */
  readonly path: string;
  /** The whole text, starting with the path: `litellm_settings.callbacks: not supported by switchyard; ignored`. */
  readonly message: string;
}

/** The whole validated configuration. */
export interface GatewayConfig {
  readonly deployments: readonly Deployment[];
  readonly router: RouterSettings;
  readonly general: GeneralSettings;
  /** `litellm_settings.drop_params`: drop unsupported params instead of refusing the request. */
  readonly dropParams: boolean;
  readonly warnings: readonly ConfigWarning[];
}
