// The keys each section may hold: those Switchyard reads, and those LiteLLM knows that Switchyard ignores
// (one warning each). Anything else is reported as not recognised, with a suggestion for likely typos.
import { type Context, warn } from "./context.js";
import { keyPath } from "./paths.js";
import { didYouMean } from "./suggest.js";
import type { YamlMap } from "./values.js";

/** The keys of one section: read ones, and ignored LiteLLM ones with a note on what ignoring them means. */
export interface KeySpec {
  readonly supported: readonly string[];
  readonly unsupported: Readonly<Record<string, string>>;
}

const AUTH = "requests are authenticated with the master key, virtual keys or JWTs (litellm_jwtauth)";
const VAULT = "os.environ/ references are read from the process environment";

function ignored(keys: readonly string[], note = ""): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, note]));
}

/** Top-level sections. */
export const ROOT_KEYS: KeySpec = {
  supported: ["model_list", "router_settings", "litellm_settings", "general_settings"],
  unsupported: {
    ...ignored(["guardrails", "finetune_settings", "files_settings", "credential_list", "callback_settings"]),
    ...ignored(["mcp_servers", "vector_store_registry", "prompts", "search_tools", "assistant_settings"]),
    environment_variables: "set these variables in the process environment instead",
    include: "the included files are not loaded",
  },
};

/** Keys of one `model_list` entry. */
export const ENTRY_KEYS: KeySpec = {
  supported: ["model_name", "litellm_params", "model_info", "rpm", "tpm"],
  unsupported: {},
};

/** `litellm_settings`: only the keys LiteLLM also feeds to its router, plus `drop_params`. */
export const LITELLM_KEYS: KeySpec = {
  supported: [
    "drop_params",
    "num_retries",
    "request_timeout",
    "allowed_fails",
    "fallbacks",
    "default_fallbacks",
  ].concat(["context_window_fallbacks", "content_policy_fallbacks"]),
  unsupported: {
    ...ignored(["callbacks", "success_callback", "failure_callback", "service_callback", "service_callbacks"]),
    ...ignored(["set_verbose", "json_logs", "telemetry", "turn_off_message_logging", "redact_user_api_key_info"]),
    ...ignored(["langfuse_default_tags", "default_team_settings", "max_budget", "budget_duration", "force_ipv4"]),
    ...ignored(["modify_params", "enable_preview_features", "mcp_aliases", "key_generation_settings", "ssl_verify"]),
    ...ignored(["default_key_generate_params", "upperbound_key_generate_params", "default_internal_user_params"]),
    ...ignored(["max_internal_user_budget", "internal_user_budget_duration", "max_end_user_budget", "guardrails"]),
    ...ignored(["disable_end_user_cost_tracking", "disable_end_user_cost_tracking_prometheus_only"]),
    ...ignored(["enable_json_schema_validation", "disable_hf_tokenizer_download", "model_group_alias"]),
    ...ignored(["cache", "cache_params"], "responses are not cached"),
  },
};

/** `router_settings`. */
export const ROUTER_KEYS: KeySpec = {
  supported: ["routing_strategy", "num_retries", "timeout", "stream_timeout", "allowed_fails", "cooldown_time"].concat([
    "routing_strategy_args",
    "enable_tag_filtering",
    "retry_after",
    "fallbacks",
    "context_window_fallbacks",
    "content_policy_fallbacks",
    "default_fallbacks",
    "connect_timeout",
    "first_token_timeout",
    "total_timeout",
    "model_group_timeouts",
    "circuit_breaker",
  ]),
  unsupported: {
    ...ignored(["redis_host", "redis_password", "redis_port", "redis_db", "redis_url", "cache_kwargs"]),
    ...ignored(["enable_pre_call_checks", "enable_pre_call_check", "optional_pre_call_checks", "disable_cooldowns"]),
    ...ignored(["tag_filtering_match_any", "retry_policy", "allowed_fails_policy"]),
    ...ignored(["default_max_parallel_requests", "default_priority", "polling_interval", "max_fallbacks"]),
    ...ignored(["default_litellm_params", "debug_level", "client_ttl", "caching_groups"]),
    ...ignored(["set_verbose", "provider_budget_config", "model_group_retry_policy"]),
    ...ignored(["cache_responses", "deployment_affinity_ttl_seconds", "ignore_invalid_deployments"]),
    ...ignored(["search_tools", "guardrail_list", "router_general_settings", "alerting_config"]),
    model_group_alias: "requests must name a model_name",
  },
};

/** `general_settings`. */
export const GENERAL_KEYS: KeySpec = {
  supported: ["master_key", "max_request_body_bytes", "max_request_size_mb", "max_request_body_size_mb"].concat([
    "enable_jwt_auth",
    "litellm_jwtauth",
    "allow_requests_on_db_unavailable",
    "background_health_checks",
    "health_check_interval",
  ]),
  unsupported: {
    ...ignored(["custom_auth", "enable_oauth2_auth", "allowed_ips"], AUTH),
    ...ignored(["enable_oauth2_proxy_auth", "allowed_routes", "public_routes", "admin_only_routes"], AUTH),
    ...ignored(["allow_client_side_credentials", "litellm_key_header_name", "custom_sso"], AUTH),
    ...ignored(["key_management_system", "key_management_settings", "use_azure_key_vault", "use_google_kms"], VAULT),
    ...ignored(["alerting", "alerting_threshold", "alert_types", "alert_to_webhook_url", "alerting_args"]),
    ...ignored(["spend_report_frequency", "database_url", "database_connection_pool_limit", "store_model_in_db"]),
    ...ignored(["database_connection_timeout", "supported_db_objects"]),
    ...ignored(["disable_spend_logs", "disable_spend_updates", "disable_master_key_return", "disable_reset_budget"]),
    ...ignored(["disable_adding_master_key_hash_to_db", "disable_responses_id_security", "enforce_user_param"]),
    ...ignored(["disable_retry_on_max_parallel_request_limit_error", "reject_clientside_metadata_tags"]),
    ...ignored(["maximum_spend_logs_retention_period", "maximum_spend_logs_retention_interval", "ui_access_mode"]),
    ...ignored(["max_parallel_requests", "global_max_parallel_requests", "infer_model_from_keys", "litellm_license"]),
    ...ignored(["health_check_details", "enforced_params"]),
    ...ignored(["use_client_credentials_pass_through_routes", "pass_through_endpoints", "use_x_forwarded_for"]),
    ...ignored(["service_account_settings", "completion_model", "image_generation_model", "embedding_model"]),
    ...ignored(["moderation_model", "store_prompts_in_spend_logs", "max_response_size_mb", "proxy_batch_write_at"]),
    ...ignored(["proxy_budget_rescheduler_min_time", "proxy_budget_rescheduler_max_time", "user_api_key_cache_ttl"]),
    ...ignored(["proxy_batch_polling_interval", "custom_key_generate", "default_team_disabled", "allow_user_auth"]),
    ...ignored(["disable_prisma_schema_update", "oauth2_config_mappings", "forward_openai_org_id", "otel"]),
    ...ignored(["forward_client_headers_to_llm_api", "user_mcp_management_mode", "use_redis_transaction_buffer"]),
  },
};

/**
 * Warns once for each key of `map` that Switchyard does not read: `<path>.<key>: not supported by
 * switchyard; ignored` for keys LiteLLM knows, `not recognised by switchyard; ignored` for the rest.
 */
export function checkKeys(ctx: Context, map: YamlMap, path: string, spec: KeySpec): void {
  for (const key of Object.keys(map)) {
    if (spec.supported.includes(key)) continue;
    const at = keyPath(path, key);
    const note = Object.hasOwn(spec.unsupported, key) ? spec.unsupported[key] : undefined;
    if (note !== undefined) warn(ctx, at, `not supported by switchyard; ignored${note === "" ? "" : ` (${note})`}`);
    else warn(ctx, at, `not recognised by switchyard; ignored${didYouMean(key, spec.supported)}`);
  }
}
