// Every LiteLLM config in the shared corpus loads, or is refused with a message naming the key: what Switchyard
// supports takes effect, the rest is ignored with one warning naming the key (see shared/compat/litellm/README.md).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ConfigError } from "./errors.js";
import { parseConfig } from "./load.js";
import { isSecretName } from "./secrets.js";
import type { GatewayConfig } from "./types.js";
import { PROVIDER_IDS } from "./types.js";

/** The corpus: `$SWITCHYARD_SHARED_DIR/compat/litellm`, else `shared/` beside the repository (from `dist/`). */
const corpus = process.env.SWITCHYARD_SHARED_DIR
  ? join(process.env.SWITCHYARD_SHARED_DIR, "compat", "litellm")
  : fileURLToPath(new URL("../../../../shared/compat/litellm/", import.meta.url));

/** Two files take `api_base` from `os.environ/FAKE_OPENAI_API_BASE`, which resolves at load; no secret is set. */
const ENV = { FAKE_OPENAI_API_BASE: "http://127.0.0.1:8080/v1" };

const files = readdirSync(corpus)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

function read(name: string): string {
  return readFileSync(join(corpus, name), "utf8");
}

function load(name: string): GatewayConfig {
  return parseConfig(read(name), name, { env: ENV });
}

/** Every string under a credential-like key (or in `environment_variables`), to check warnings never show one. */
function secretsIn(value: unknown, underSecret = false): string[] {
  if (typeof value === "string") return underSecret && !value.startsWith("os.environ/") ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => secretsIn(item, underSecret));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    secretsIn(item, underSecret || isSecretName(key) || key === "environment_variables"),
  );
}

/** Deployments and warnings each file gives; a file added to the corpus only has to load. */
const EXPECTED: Readonly<Record<string, readonly [deployments: number, warnings: number]>> = {
  "aliases_config.yaml": [3, 0],
  "azure_config.yaml": [2, 0],
  "azure_config_with_tpm.yaml": [2, 2],
  "load_balancer.yaml": [4, 3],
  "multi_instance_simple_config.yaml": [1, 3],
  "oai_misc_config.yaml": [5, 5],
  "otel_test_config.yaml": [4, 6],
  "proxy_config.yaml": [3, 9],
  "simple_config.yaml": [1, 0],
  "spend_tracking_config.yaml": [1, 4],
};

/**
 * Files refused with a message naming the key: the Okta file enables JWT auth but gives its JWKS as an OpenID
 * discovery `public_key_url`, so starting without the auth it asks for would silently change its meaning.
 */
const REFUSED: Readonly<Record<string, string>> = {
  "okta_jwt_auth_config.yaml":
    "okta_jwt_auth_config.yaml: general_settings.litellm_jwtauth.jwks_url: missing; expected a non-empty string",
};

describe("LiteLLM compatibility corpus", () => {
  test("the corpus is there", () => {
    assert.ok(files.length >= Object.keys(EXPECTED).length, `found ${files.length} files in ${corpus}`);
  });

  for (const [name, message] of Object.entries(REFUSED)) {
    test(`${name} is refused, naming the key`, () => {
      assert.throws(
        () => load(name),
        (err: unknown) => err instanceof ConfigError && err.message === message,
      );
    });
  }

  for (const name of files.filter((file) => !Object.hasOwn(REFUSED, file))) {
    test(`${name} loads`, () => {
      const config = load(name);
      for (const d of config.deployments) assert.ok(PROVIDER_IDS.includes(d.provider), d.id);
      const secrets = secretsIn(parse(read(name), { version: "1.1" }));
      for (const w of config.warnings) {
        assert.ok(w.path !== "" && w.message.startsWith(`${w.path}: `), w.message);
        for (const secret of secrets) assert.ok(!w.message.includes(secret), `${w.message} shows a secret`);
      }
      const expected = EXPECTED[name];
      if (expected) {
        assert.deepEqual(
          [config.deployments.length, config.warnings.length],
          expected,
          config.warnings.map((w) => w.message).join("\n"),
        );
      }
    });
  }
});

describe("what took effect", () => {
  test("load_balancer.yaml: rpm/tpm beside litellm_params, drop_params, OpenRouter ids", () => {
    const config = load("load_balancer.yaml");
    assert.equal(config.dropParams, true);
    assert.deepEqual(
      config.deployments.map((d) => [d.id, d.provider, d.model, d.rpm, d.tpm]),
      [
        ["gpt-3.5-turbo/0", "openai", "gpt-3.5-turbo", 3, 20000],
        ["gpt-3.5-turbo/1", "openai", "gpt-3.5-turbo", 3, 20000],
        ["gpt-3.5-turbo/2", "openrouter", "gpt-3.5-turbo", undefined, undefined],
        // LiteLLM resolves this catalog id to OpenRouter, keeping the whole id as the model.
        ["mistral-7b-instruct/0", "openrouter", "mistralai/mistral-7b-instruct", undefined, undefined],
      ],
    );
    assert.deepEqual(
      config.warnings.map((w) => w.message),
      [
        "environment_variables: not supported by switchyard; ignored (set these variables in the process environment instead)",
        "model_list[0].litellm_params.api_key: plain-text secret in the config file; use os.environ/NAME instead",
        "model_list[1].litellm_params.api_key: plain-text secret in the config file; use os.environ/NAME instead",
      ],
    );
  });

  test("oai_misc_config.yaml: wildcards, model_info.id, litellm_settings retries and fallbacks", () => {
    const config = load("oai_misc_config.yaml");
    assert.deepEqual(
      config.deployments.map((d) => [d.id, d.modelName, d.provider, d.model]),
      [
        ["1", "gpt-5-mini-end-user-test", "openai", "gpt-5-mini"],
        ["*/0", "*", "openai", "*"],
        ["anthropic/*/0", "anthropic/*", "anthropic", "*"],
        ["groq/*/0", "groq/*", "groq", "*"],
        [
          "bedrock/batch-us.anthropic.claude-haiku-4-5-20251001-v1:0/0",
          "bedrock/batch-us.anthropic.claude-haiku-4-5-20251001-v1:0",
          "bedrock",
          "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        ],
      ],
    );
    assert.deepEqual(config.deployments[0]?.params, { region_name: "eu" });
    assert.deepEqual(config.deployments[1]?.apiKey, { env: "OPENAI_API_KEY" });
    assert.equal(config.router.numRetries, 5);
    assert.equal(config.router.timeoutMs, 600_000);
    assert.deepEqual(config.router.contextWindowFallbacks, [{ from: "gpt-5-mini", to: ["gpt-5.5"] }]);
    assert.deepEqual(config.general.masterKey, { value: "sk-1234" });
    assert.deepEqual(
      config.warnings.map((w) => w.message),
      [
        "finetune_settings: not supported by switchyard; ignored",
        "files_settings: not supported by switchyard; ignored",
        "litellm_settings.telemetry: not supported by switchyard; ignored",
        "litellm_settings.default_team_settings: not supported by switchyard; ignored",
        "general_settings.master_key: plain-text secret in the config file; use os.environ/NAME instead",
      ],
    );
  });

  test("otel_test_config.yaml: tags, ids and model_info; callbacks, cache and guardrails ignored", () => {
    const config = load("otel_test_config.yaml");
    assert.deepEqual(
      config.deployments.map((d) => [d.id, d.tags, d.modelInfo]),
      [
        ["team-a-model", ["teamA"], { id: "team-a-model" }],
        ["team-b-model", ["teamB"], { id: "team-b-model" }],
        ["rerank-english-v3.0/0", [], {}],
        ["llava-hf/0", [], { supports_vision: true }],
      ],
    );
    assert.equal(config.deployments[3]?.model, "llava-hf/llava-v1.6-vicuna-7b-hf");
    const messages = config.warnings.map((w) => w.message);
    assert.ok(messages.includes("guardrails: not supported by switchyard; ignored"));
    assert.ok(messages.includes("litellm_settings.callbacks: not supported by switchyard; ignored"));
    assert.ok(!messages.some((m) => m.includes('"cohere"')));
  });

  test("proxy_config.yaml: auth and key vault settings are ignored loudly", () => {
    const proxy = load("proxy_config.yaml").warnings.map((w) => w.message);
    assert.ok(
      proxy.includes(
        "general_settings.key_management_system: not supported by switchyard; ignored (os.environ/ references are read from the process environment)",
      ),
    );
    assert.ok(proxy.includes("general_settings.alerting: not supported by switchyard; ignored"));
    assert.ok(proxy.includes("litellm_settings.success_callback: not supported by switchyard; ignored"));
  });

  test("proxy_config.yaml: Vertex AI deployments keep project and location as params, credentials as references", () => {
    const vertex = load("proxy_config.yaml").deployments.filter((d) => d.provider === "vertex_ai");
    assert.deepEqual(
      vertex.map((d) => [d.model, d.params.vertex_project, d.params.vertex_location, "vertex_credentials" in d.params]),
      [
        ["gemini-1.5-pro", "adroit-crow-413218", "us-central1", false],
        ["gemini-1.0-pro-vision-001", "adroit-crow-413218", "us-central1", false],
      ],
    );
    assert.ok(vertex.every((d) => d.credentials?.vertex_credentials !== undefined));
  });

  test("spend_tracking_config.yaml: api_base comes from the environment at load time", () => {
    const config = load("spend_tracking_config.yaml");
    assert.equal(config.deployments[0]?.apiBase, ENV.FAKE_OPENAI_API_BASE);
    assert.throws(
      () => parseConfig(read("spend_tracking_config.yaml"), "spend_tracking_config.yaml", { env: {} }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          "spend_tracking_config.yaml: model_list[0].litellm_params.api_base: environment variable FAKE_OPENAI_API_BASE is not set",
    );
  });
});
