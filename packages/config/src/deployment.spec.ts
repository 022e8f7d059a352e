import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, load, warningsOf, withParams, yaml } from "./spec-helpers.js";

describe("deployments", () => {
  test("litellm_params become typed fields; other keys go to params", () => {
    const config = load(
      withParams(
        "model: openai/gpt-4o",
        "api_base: https://llm.internal/v1",
        "api_key: os.environ/OPENAI_API_KEY",
        'api_version: "2024-06-01"',
        "organization: org-1",
        "rpm: 600",
        "tpm: 100_000",
        "weight: 2.5",
        "timeout: 30",
        "stream_timeout: 0.5",
        "max_retries: 4",
        "tags: [teamA, eu]",
        "worker_pool: openai-eu",
        "temperature: 0.1",
        "extra_body: {seed: 1}",
      ),
    );
    assert.deepEqual(config.deployments, [
      {
        id: "m/0",
        modelName: "m",
        provider: "openai",
        model: "gpt-4o",
        apiBase: "https://llm.internal/v1",
        apiKey: { env: "OPENAI_API_KEY" },
        apiVersion: "2024-06-01",
        organization: "org-1",
        rpm: 600,
        tpm: 100000,
        weight: 2.5,
        timeoutMs: 30000,
        streamTimeoutMs: 500,
        maxRetries: 4,
        tags: ["teamA", "eu"],
        workerPool: "openai-eu",
        params: { temperature: 0.1, extra_body: { seed: 1 } },
        modelInfo: {},
        source: "model_list[0]",
      },
    ]);
    assert.deepEqual(config.warnings, []);
  });

  test("worker_pool names a pool in lowercase letters, digits and dashes", () => {
    assert.equal(
      errorOf(withParams("model: mock/x", "worker_pool: Bedrock_EU")),
      'config: model_list[0].litellm_params.worker_pool: expected a pool name of lowercase letters, digits and "-" (at most 40), got "Bedrock_EU"',
    );
  });

  test("ids come from model_info.id, else count the entries of each group from 0", () => {
    const config = load(yaml`
      model_list:
        - {model_name: a, litellm_params: {model: mock/x}}
        - {model_name: b, litellm_params: {model: mock/x}}
        - {model_name: a, litellm_params: {model: oobabooga/x}}
        - {model_name: a, litellm_params: {model: mock/y}}
        - {model_name: a, litellm_params: {model: mock/z}, model_info: {id: 7, mode: chat}}
    `);
    assert.deepEqual(
      config.deployments.map((d) => d.id),
      ["a/0", "b/0", "a/2", "7"],
    );
    assert.deepEqual(config.deployments[3]?.modelInfo, { id: 7, mode: "chat" });
  });

  test("duplicate deployment ids are refused", () => {
    const message = errorOf(yaml`
      model_list:
        - {model_name: a, litellm_params: {model: mock/x}, model_info: {id: one}}
        - {model_name: b, litellm_params: {model: mock/x}, model_info: {id: one}}
        - {model_name: c, litellm_params: {model: mock/x}, model_info: {id: a/1}}
        - {model_name: a, litellm_params: {model: mock/x}}
    `);
    assert.equal(
      message,
      [
        'config: model_list[1].model_info.id: duplicate deployment id "one" (also used by model_list[0])',
        'config: model_list[3]: duplicate deployment id "a/1" (also used by model_list[2])',
      ].join("\n"),
    );
  });

  test("rpm and tpm beside litellm_params count, and win over the inner ones as in LiteLLM", () => {
    const config = load(yaml`
      model_list:
        - model_name: m
          litellm_params: {model: gpt-3.5-turbo, rpm: 1, tpm: 5}
          rpm: 3
          tpm: 5
    `);
    assert.equal(config.deployments[0]?.rpm, 3);
    assert.equal(config.deployments[0]?.tpm, 5);
    assert.deepEqual(warningsOf(config), ["model_list[0].rpm: overrides litellm_params.rpm (1), as in LiteLLM"]);
  });

  test("wildcard groups load as deployments with the wildcard", () => {
    const config = load(yaml`
      model_list:
        - {model_name: "*", litellm_params: {model: "openai/*"}}
        - {model_name: "anthropic/*", litellm_params: {model: "anthropic/*"}}
    `);
    assert.deepEqual(
      config.deployments.map((d) => [d.modelName, d.provider, d.model]),
      [
        ["*", "openai", "*"],
        ["anthropic/*", "anthropic", "*"],
      ],
    );
  });

  test("custom_llm_provider names the provider of an unprefixed model", () => {
    const config = load(withParams("model: my-model", "custom_llm_provider: openai", "api_base: http://vllm:8000/v1"));
    assert.equal(config.deployments[0]?.provider, "openai");
    assert.equal(config.deployments[0]?.model, "my-model");
    assert.deepEqual(config.deployments[0]?.params, {});
  });

  test("base_url is LiteLLM's alias of api_base", () => {
    assert.equal(load(withParams("model: openai/x", "base_url: http://h/v1")).deployments[0]?.apiBase, "http://h/v1");
    assert.equal(
      errorOf(withParams("model: openai/x", "base_url: http://a", "api_base: http://b")),
      "config: model_list[0].litellm_params.base_url: expected either api_base or base_url, not both",
    );
  });

  test("os.environ/ in non-secret fields resolves at load time", () => {
    const text = withParams(
      "model: openai/x",
      "api_base: os.environ/BASE",
      "rpm: os.environ/RPM",
      "region: os.environ/R",
    );
    const config = load(text, { BASE: "http://h:1/v1", RPM: "60", R: "eu" });
    assert.equal(config.deployments[0]?.apiBase, "http://h:1/v1");
    assert.equal(config.deployments[0]?.rpm, 60);
    assert.deepEqual(config.deployments[0]?.params, { region: "eu" });
    assert.equal(
      errorOf(text, { RPM: "60", R: "eu" }),
      "config: model_list[0].litellm_params.api_base: environment variable BASE is not set",
    );
  });

  test("unsupported providers: one warning naming the path and the provider, deployment skipped", () => {
    const config = load(yaml`
      model_list:
        - {model_name: a, litellm_params: {model: mock/x}}
        - {model_name: b, litellm_params: {model: oobabooga/some-model, api_key: abc, rpm: x}}
    `);
    assert.equal(config.deployments.length, 1);
    assert.deepEqual(warningsOf(config), [
      'model_list[1].litellm_params.model: provider "oobabooga" is not supported yet; deployment skipped',
    ]);
  });

  test("an unknown provider prefix is an error, with a suggestion when close to a known one", () => {
    const text = yaml`
      model_list:
        - {model_name: a, litellm_params: {model: mock/x}}
        - {model_name: b, litellm_params: {model: mock/x}}
        - {model_name: c, litellm_params: {model: opnai/gpt-4o}}
        - {model_name: d, litellm_params: {model: zzzzzz/x}}
    `;
    assert.equal(
      errorOf(text),
      [
        'config: model_list[2].litellm_params.model: unknown provider "opnai" (did you mean "openai"?)',
        'config: model_list[3].litellm_params.model: unknown provider "zzzzzz"',
      ].join("\n"),
    );
  });

  test("missing and mistyped fields are reported with their paths, all at once", () => {
    const text = yaml`
      model_list:
        - litellm_params: {model: mock/x}
        - model_name: b
        - model_name: c
          litellm_params: {api_key: os.environ/K}
        - model_name: d
          litellm_params: {model: mock/x, rpm: abc, tpm: -1, weight: 0, timeout: .inf, max_retries: 1.5, tags: teamA}
        - 42
        - model_name: e
          litellm_params: {model: mock/x, api_base: "ftp://h", api_version: 2024-05-01}
    `;
    assert.equal(
      errorOf(text),
      [
        "config: model_list[0].model_name: missing; expected a non-empty string",
        "config: model_list[1].litellm_params: missing; expected a map with at least model",
        "config: model_list[2].litellm_params.model: missing; expected a non-empty string",
        'config: model_list[3].litellm_params.rpm: expected a non-negative integer, got "abc"',
        "config: model_list[3].litellm_params.tpm: expected a non-negative integer, got -1",
        "config: model_list[3].litellm_params.weight: expected a positive number, got 0",
        "config: model_list[3].litellm_params.timeout: expected a positive number, got Infinity",
        "config: model_list[3].litellm_params.max_retries: expected a non-negative integer, got 1.5",
        'config: model_list[3].litellm_params.tags: expected a list of strings, got "teamA"',
        "config: model_list[4]: expected a map with model_name and litellm_params, got 42",
        'config: model_list[5].litellm_params.api_base: expected an http or https URL, got "ftp://h"',
        "config: model_list[5].litellm_params.api_version: expected a non-empty string, got a date (quote it to keep it as text)",
      ].join("\n"),
    );
  });

  test("credentials other than api_key are kept as references, never in params", () => {
    const config = load(
      withParams(
        "model: openai/x",
        "aws_secret_access_key: s3cr3t-value",
        "aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID",
        "input_cost_per_token: 0.1",
      ),
    );
    assert.deepEqual(config.deployments[0]?.params, { input_cost_per_token: 0.1 });
    assert.deepEqual(config.deployments[0]?.credentials, {
      aws_secret_access_key: { value: "s3cr3t-value" },
      aws_access_key_id: { env: "AWS_ACCESS_KEY_ID" },
    });
    assert.deepEqual(warningsOf(config), [
      "model_list[0].litellm_params.aws_secret_access_key: plain-text secret in the config file; use os.environ/NAME instead",
    ]);
  });

  test("params and model_info must be plain data", () => {
    assert.equal(
      errorOf(withParams("model: openai/x", "seed: .nan", "when: !!binary aGk=")),
      [
        "config: model_list[0].litellm_params.seed: expected a string, finite number, boolean, list or map, got NaN",
        "config: model_list[0].litellm_params.when: expected a string, finite number, boolean, list or map, got binary data",
      ].join("\n"),
    );
  });

  test("unknown keys of an entry are warned about", () => {
    const config = load("model_list:\n  - {model_name: a, litellm_params: {model: mock/x}, model_infos: {}}");
    assert.deepEqual(warningsOf(config), [
      'model_list[0].model_infos: not recognised by switchyard; ignored (did you mean "model_info"?)',
    ]);
  });
});
