import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "./errors.js";
import { resolveSecret } from "./secrets.js";
import { errorOf, load, warningsOf, withParams, yaml } from "./spec-helpers.js";

describe("secrets", () => {
  test("os.environ/NAME stays a reference and loads without the variable set", () => {
    const config = load(yaml`
      model_list:
        - {model_name: m, litellm_params: {model: openai/x, api_key: os.environ/OPENAI_API_KEY}}
      general_settings:
        master_key: os.environ/SWITCHYARD_MASTER_KEY
    `);
    assert.deepEqual(config.deployments[0]?.apiKey, { env: "OPENAI_API_KEY" });
    assert.deepEqual(config.general.masterKey, { env: "SWITCHYARD_MASTER_KEY" });
    assert.deepEqual(config.warnings, []);
  });

  test("a literal secret is accepted with one warning that never contains it", () => {
    const config = load(yaml`
      model_list:
        - {model_name: m, litellm_params: {model: openai/x, api_key: sk-live-abcdef123456}}
      general_settings:
        master_key: sk-1234
    `);
    assert.deepEqual(config.deployments[0]?.apiKey, { value: "sk-live-abcdef123456" });
    assert.deepEqual(config.general.masterKey, { value: "sk-1234" });
    assert.deepEqual(warningsOf(config), [
      "model_list[0].litellm_params.api_key: plain-text secret in the config file; use os.environ/NAME instead",
      "general_settings.master_key: plain-text secret in the config file; use os.environ/NAME instead",
    ]);
    for (const w of warningsOf(config)) {
      assert.doesNotMatch(w, /sk-live|sk-1234/);
    }
  });

  test("errors on secret fields describe the kind of value, never the value", () => {
    const message = errorOf(withParams("model: openai/x", "api_key: 123456789"));
    assert.equal(message, "config: model_list[0].litellm_params.api_key: expected a string, got a number");
    assert.equal(
      errorOf(withParams("model: openai/x", "api_key: os.environ/sk-123")),
      "config: model_list[0].litellm_params.api_key: expected os.environ/NAME with a valid environment variable name",
    );
    assert.equal(
      errorOf('general_settings: {master_key: ""}'),
      "config: general_settings.master_key: expected a non-empty string",
    );
  });

  test("resolveSecret reads the literal or the variable", () => {
    assert.equal(resolveSecret({ value: "v" }, {}), "v");
    assert.equal(resolveSecret({ env: "K" }, { K: "from-env" }), "from-env");
  });

  test("resolveSecret names the path and the variable when it is missing or empty", () => {
    assert.throws(
      () => resolveSecret({ env: "OPENAI_API_KEY" }, {}, "model_list[0].litellm_params.api_key"),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message === "model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY is not set",
    );
    assert.throws(() => resolveSecret({ env: "K" }, { K: "" }), {
      name: "ConfigError",
      message: "environment variable K is empty",
    });
  });
});
