import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { matchesGroup } from "./fallbacks.js";
import { errorOf, load, warningsOf, yaml } from "./spec-helpers.js";

const MODELS = yaml`
  model_list:
    - {model_name: small, litellm_params: {model: mock/s}}
    - {model_name: large, litellm_params: {model: mock/l}}
    - {model_name: huge, litellm_params: {model: mock/h}}
    - {model_name: cloud, litellm_params: {model: oobabooga/x}}
    - {model_name: "anthropic/*", litellm_params: {model: "anthropic/*"}}
`;

describe("fallbacks", () => {
  test("LiteLLM's list of single-key maps becomes ordered rules", () => {
    const config = load(
      MODELS +
        yaml`
      router_settings:
        fallbacks: [{"small": ["large", "huge"]}, {"large": ["huge"]}]
        context_window_fallbacks:
          - small: [huge]
        content_policy_fallbacks: [{"*": ["anthropic/claude-3-5-haiku"]}]
        default_fallbacks: [huge]
    `,
    );
    assert.deepEqual(config.router.fallbacks, [
      { from: "small", to: ["large", "huge"] },
      { from: "large", to: ["huge"] },
    ]);
    assert.deepEqual(config.router.contextWindowFallbacks, [{ from: "small", to: ["huge"] }]);
    assert.deepEqual(config.router.contentPolicyFallbacks, [{ from: "*", to: ["anthropic/claude-3-5-haiku"] }]);
    assert.deepEqual(config.router.defaultFallbacks, ["huge"]);
  });

  test("litellm_settings fallbacks count too; router_settings wins when both are set", () => {
    const config = load(
      MODELS +
        yaml`
      litellm_settings:
        fallbacks: [{"small": ["huge"]}]
        context_window_fallbacks: [{"small": ["large"]}]
      router_settings:
        fallbacks: [{"small": ["large"]}]
    `,
    );
    assert.deepEqual(config.router.fallbacks, [{ from: "small", to: ["large"] }]);
    assert.deepEqual(config.router.contextWindowFallbacks, [{ from: "small", to: ["large"] }]);
    assert.deepEqual(warningsOf(config).slice(1), [
      "litellm_settings.fallbacks: overridden by router_settings.fallbacks",
    ]);
  });

  test("unknown model groups are errors", () => {
    const message = errorOf(
      MODELS +
        yaml`
      router_settings:
        fallbacks: [{"smol": ["large"]}, {"large": ["huge", "gigantic"]}]
        default_fallbacks: [tiny]
    `,
    );
    assert.equal(
      message,
      [
        'config: router_settings.fallbacks[0]: unknown model group "smol"',
        'config: router_settings.fallbacks[1].large[1]: unknown model group "gigantic"',
        'config: router_settings.default_fallbacks[0]: unknown model group "tiny"',
      ].join("\n"),
    );
  });

  test("groups whose deployments were all skipped are dropped with a warning", () => {
    const config = load(
      MODELS +
        yaml`
      router_settings:
        fallbacks: [{"small": ["cloud", "large"]}, {"cloud": ["small"]}]
    `,
    );
    assert.deepEqual(config.router.fallbacks, [{ from: "small", to: ["large"] }]);
    assert.deepEqual(warningsOf(config).slice(1), [
      'router_settings.fallbacks[0].small[0]: model group "cloud" has no supported deployment; dropped from this fallback',
      'router_settings.fallbacks[1]: model group "cloud" has no supported deployment; rule ignored',
    ]);
  });

  test("malformed rules name what was expected", () => {
    const message = errorOf(
      MODELS +
        yaml`
      router_settings:
        fallbacks: {"small": ["large"]}
        context_window_fallbacks: [{"small": ["large"], "large": ["huge"]}, "small", {"small": "large"}, {"large": []}]
        content_policy_fallbacks: [{"small": ["large"]}, {"small": ["huge"]}]
    `,
    );
    const expected = 'such as {"gpt-4": ["gpt-3.5-turbo"]}';
    assert.equal(
      message,
      [
        `config: router_settings.fallbacks: expected a list of maps such as [{"gpt-4": ["gpt-3.5-turbo"]}], got a map`,
        `config: router_settings.context_window_fallbacks[0]: expected a map with one model group, ${expected}, got a map with 2 keys`,
        `config: router_settings.context_window_fallbacks[1]: expected a map with one model group, ${expected}, got "small"`,
        'config: router_settings.context_window_fallbacks[2].small: expected a list of model groups, got "large"',
        "config: router_settings.context_window_fallbacks[3].large: expected at least one model group",
        'config: router_settings.content_policy_fallbacks[1]: duplicate rule for model group "small" (also router_settings.content_policy_fallbacks[0])',
      ].join("\n"),
    );
  });

  test("group patterns match like the router's", () => {
    assert.ok(matchesGroup("*", "anything/at-all"));
    assert.ok(matchesGroup("anthropic/*", "anthropic/claude-3"));
    assert.ok(!matchesGroup("anthropic/*", "openai/gpt-4o"));
    assert.ok(matchesGroup("gpt-4.1", "gpt-4.1"));
    assert.ok(!matchesGroup("gpt-4.1", "gpt-4x1"));
  });
});
