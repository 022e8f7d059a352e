import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, load, warningsOf, yaml } from "./spec-helpers.js";

const ONE_MODEL = "model_list:\n  - {model_name: m, litellm_params: {model: mock/m}}\n";

describe("router settings", () => {
  test("defaults: simple-shuffle, 2 retries, 600 s timeout, no fallbacks", () => {
    const config = load(ONE_MODEL);
    assert.deepEqual(config.router, {
      routingStrategy: "simple-shuffle",
      tagFiltering: false,
      numRetries: 2,
      timeoutMs: 600_000,
      fallbacks: [],
      contextWindowFallbacks: [],
      contentPolicyFallbacks: [],
      defaultFallbacks: [],
    });
    assert.equal(config.dropParams, false);
  });

  test("router_settings values take effect", () => {
    const config = load(
      ONE_MODEL +
        yaml`
      router_settings:
        routing_strategy: least-busy
        routing_strategy_args: { lowest_latency_buffer: 0.25, ttl: 60 }
        enable_tag_filtering: true
        num_retries: 3
        timeout: 30
        stream_timeout: 5
        allowed_fails: 3
        cooldown_time: 30
    `,
    );
    assert.deepEqual(
      config.warnings.map((w) => w.message),
      ["router_settings.routing_strategy_args.ttl: not supported by switchyard; ignored"],
    );
    assert.deepEqual(config.router, {
      routingStrategy: "least-busy",
      tagFiltering: true,
      latencyBuffer: 0.25,
      numRetries: 3,
      timeoutMs: 30_000,
      streamTimeoutMs: 5_000,
      fallbacks: [],
      contextWindowFallbacks: [],
      contentPolicyFallbacks: [],
      defaultFallbacks: [],
      allowedFails: 3,
      cooldownTimeSeconds: 30,
    });
  });

  test("litellm_settings num_retries and request_timeout apply unless router_settings sets them", () => {
    const config = load(
      ONE_MODEL +
        yaml`
      litellm_settings: {num_retries: 5, request_timeout: 10, drop_params: True}
      router_settings: {timeout: 20}
    `,
    );
    assert.equal(config.router.numRetries, 5);
    assert.equal(config.router.timeoutMs, 20_000);
    assert.equal(config.dropParams, true);
    assert.deepEqual(warningsOf(config), ["litellm_settings.request_timeout: overridden by router_settings.timeout"]);
  });

  test("circuit_breaker sets the breakers' thresholds and rejects unknown or bad ones", () => {
    const config = load(
      ONE_MODEL +
        yaml`
      router_settings:
        circuit_breaker: {error_threshold_percentage: 25, volume_threshold: 20, window: 60, reset_timeout: 5}
    `,
    );
    assert.deepEqual(config.router.circuitBreaker, {
      errorThresholdPercentage: 25,
      volumeThreshold: 20,
      windowMs: 60_000,
      resetTimeoutMs: 5_000,
    });
    assert.equal(
      errorOf(`${ONE_MODEL}router_settings: {circuit_breaker: {error_threshold: 5, volume_threshold: 0, window: -1}}`),
      [
        "config: router_settings.circuit_breaker.error_threshold: unknown setting; expected one of error_threshold_percentage, volume_threshold, window, reset_timeout",
        "config: router_settings.circuit_breaker.volume_threshold: expected an integer >= 1, got 0",
        "config: router_settings.circuit_breaker.window: expected a positive number, got -1",
      ].join("\n"),
    );
  });

  test("booleans may come from the environment, but a quoted word in the file is not a boolean", () => {
    const config = load(`${ONE_MODEL}litellm_settings: {drop_params: os.environ/DROP}`, { DROP: "true" });
    assert.equal(config.dropParams, true);
    assert.equal(
      errorOf(`${ONE_MODEL}litellm_settings: {drop_params: "false"}`),
      'config: litellm_settings.drop_params: expected true or false, got "false"',
    );
  });

  test("invalid values are errors with paths", () => {
    const message = errorOf(
      ONE_MODEL +
        yaml`
      litellm_settings: {drop_params: "yes please", num_retries: -1}
      router_settings: {routing_strategy: least_busy, timeout: 0, cooldown_time: abc}
    `,
    );
    assert.equal(
      message,
      [
        'config: router_settings.routing_strategy: expected one of "simple-shuffle", "least-busy", "usage-based-routing", "usage-based-routing-v2", "latency-based-routing", "cost-based-routing", got "least_busy" (did you mean "least-busy"?)',
        "config: litellm_settings.num_retries: expected a non-negative integer, got -1",
        "config: router_settings.timeout: expected a positive number, got 0",
        'config: router_settings.cooldown_time: expected a non-negative number, got "abc"',
        'config: litellm_settings.drop_params: expected true or false, got "yes please"',
      ].join("\n"),
    );
  });
});

describe("general settings", () => {
  test("the body limit defaults to 10 MiB and accepts MiB or bytes", () => {
    assert.equal(load(ONE_MODEL).general.maxRequestBodyBytes, 10 * 1024 * 1024);
    const mb = load(`${ONE_MODEL}general_settings: {max_request_size_mb: 2}`);
    assert.equal(mb.general.maxRequestBodyBytes, 2 * 1024 * 1024);
    const alias = load(`${ONE_MODEL}general_settings: {max_request_body_size_mb: 0.5}`);
    assert.equal(alias.general.maxRequestBodyBytes, 512 * 1024);
    const bytes = load(`${ONE_MODEL}general_settings: {max_request_body_bytes: 1_000}`);
    assert.equal(bytes.general.maxRequestBodyBytes, 1000);
  });

  test("the body limit must be positive and set once", () => {
    assert.equal(
      errorOf(`${ONE_MODEL}general_settings: {max_request_body_bytes: 0}`),
      "config: general_settings.max_request_body_bytes: expected an integer >= 1, got 0",
    );
    assert.equal(
      errorOf(`${ONE_MODEL}general_settings: {max_request_body_bytes: 10, max_request_size_mb: 1}`),
      "config: general_settings.max_request_body_bytes: expected one body size limit, but max_request_size_mb is also set",
    );
  });
});

describe("keys switchyard does not read", () => {
  test("known LiteLLM keys get one warning each, naming the key", () => {
    const config = load(
      ONE_MODEL +
        yaml`
      environment_variables: {REDIS_PASSWORD: hunter2}
      guardrails: []
      litellm_settings: {callbacks: [otel], success_callback: [langfuse], cache: true}
      router_settings: {redis_password: hunter2}
      general_settings: {alerting: [slack], custom_auth: my.auth, key_management_system: azure_key_vault}
    `,
    );
    assert.deepEqual(warningsOf(config), [
      "environment_variables: not supported by switchyard; ignored (set these variables in the process environment instead)",
      "guardrails: not supported by switchyard; ignored",
      "litellm_settings.callbacks: not supported by switchyard; ignored",
      "litellm_settings.success_callback: not supported by switchyard; ignored",
      "litellm_settings.cache: not supported by switchyard; ignored (responses are not cached)",
      "router_settings.redis_password: not supported by switchyard; ignored",
      "general_settings.alerting: not supported by switchyard; ignored",
      "general_settings.custom_auth: not supported by switchyard; ignored (requests are authenticated with the master key, virtual keys or JWTs (litellm_jwtauth))",
      "general_settings.key_management_system: not supported by switchyard; ignored (os.environ/ references are read from the process environment)",
    ]);
    assert.ok(config.warnings.every((w) => !w.message.includes("hunter2")));
  });

  test("unknown keys get a warning with a suggestion for likely typos", () => {
    const config = load(
      ONE_MODEL +
        yaml`
      router_setings: {}
      something_else: 1
      router_settings: {num_retires: 1}
    `,
    );
    assert.deepEqual(warningsOf(config), [
      'router_setings: not recognised by switchyard; ignored (did you mean "router_settings"?)',
      "something_else: not recognised by switchyard; ignored",
      'router_settings.num_retires: not recognised by switchyard; ignored (did you mean "num_retries"?)',
    ]);
    assert.deepEqual(config.warnings[0], {
      path: "router_setings",
      message: 'router_setings: not recognised by switchyard; ignored (did you mean "router_settings"?)',
    });
  });

  test("an empty model_list loads with a warning", () => {
    const config = load("general_settings: {master_key: os.environ/K}");
    assert.deepEqual(warningsOf(config), ["model_list: no deployment switchyard can serve; every request will fail"]);
  });
});
