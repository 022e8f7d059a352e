import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, load, warningsOf, yaml } from "./spec-helpers.js";

const ONE_MODEL = "model_list:\n  - {model_name: m, litellm_params: {model: mock/m}}\n";

describe("background health checks (general_settings)", () => {
  test("are off by default, as in LiteLLM", () => {
    const config = load(ONE_MODEL);
    assert.equal(config.general.backgroundHealthChecks, undefined);
    assert.deepEqual(warningsOf(config), []);
  });

  test("background_health_checks: True probes every 300 s unless health_check_interval says otherwise", () => {
    assert.deepEqual(load(`${ONE_MODEL}general_settings: {background_health_checks: True}`).general, {
      maxRequestBodyBytes: 10 * 1024 * 1024,
      allowRequestsOnDbUnavailable: false,
      backgroundHealthChecks: { intervalMs: 300_000 },
    });
    const config = load(
      ONE_MODEL +
        yaml`
      general_settings:
        background_health_checks: true
        health_check_interval: 30
    `,
    );
    assert.deepEqual(config.general.backgroundHealthChecks, { intervalMs: 30_000 });
    assert.deepEqual(warningsOf(config), [], "both keys are read, not ignored");
  });

  test("both keys may come from the environment", () => {
    const config = load(
      `${ONE_MODEL}general_settings: {background_health_checks: os.environ/HC, health_check_interval: os.environ/HCI}`,
      { HC: "true", HCI: "2.5" },
    );
    assert.deepEqual(config.general.backgroundHealthChecks, { intervalMs: 2_500 });
  });

  test("an interval without the switch does nothing, and says so", () => {
    const config = load(`${ONE_MODEL}general_settings: {background_health_checks: false, health_check_interval: 60}`);
    assert.equal(config.general.backgroundHealthChecks, undefined);
    assert.deepEqual(warningsOf(config), [
      "general_settings.health_check_interval: ignored without background_health_checks: true",
    ]);
  });

  test("invalid values are errors with paths; an interval under a second is refused", () => {
    assert.equal(
      errorOf(`${ONE_MODEL}general_settings: {background_health_checks: "yes", health_check_interval: 0.5}`),
      [
        'config: general_settings.background_health_checks: expected true or false, got "yes"',
        "config: general_settings.health_check_interval: expected a number >= 1, got 0.5",
      ].join("\n"),
    );
    assert.equal(
      errorOf(`${ONE_MODEL}general_settings: {background_health_checks: true, health_check_interval: soon}`),
      'config: general_settings.health_check_interval: expected a number >= 1, got "soon"',
    );
  });

  test("health_check_details is still one of LiteLLM's keys switchyard ignores", () => {
    const config = load(`${ONE_MODEL}general_settings: {background_health_checks: true, health_check_details: false}`);
    assert.deepEqual(warningsOf(config), [
      "general_settings.health_check_details: not supported by switchyard; ignored",
    ]);
  });
});
