import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, load, yaml } from "./spec-helpers.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, timeoutsFor } from "./timeouts.js";

const MODELS = yaml`
  model_list:
    - {model_name: fast, litellm_params: {model: mock/a}}
    - {model_name: fast, litellm_params: {model: mock/b, timeout: 7, stream_timeout: 3}}
    - {model_name: slow, litellm_params: {model: mock/c}}
    - {model_name: "anthropic/*", litellm_params: {model: mock/d}}
`;

describe("timeouts", () => {
  test("defaults: 600 s per attempt and to the first token, idle as the attempt, 10 s connect, no total", () => {
    const config = load(MODELS);
    assert.deepEqual(timeoutsFor(config.router, "fast"), {
      attemptMs: 600_000,
      firstTokenMs: 600_000,
      idleMs: 600_000,
      connectMs: DEFAULT_CONNECT_TIMEOUT_MS,
      totalMs: undefined,
    });
  });

  test("the most specific setting wins: deployment, then model group, then router_settings", () => {
    const config = load(
      MODELS +
        yaml`
      router_settings:
        timeout: 60
        stream_timeout: 20
        connect_timeout: 2
        first_token_timeout: 30
        total_timeout: 300
        model_group_timeouts:
          fast: {timeout: 10, first_token_timeout: 4, connect_timeout: 1.5, total_timeout: 25}
          "anthropic/*": {stream_timeout: 9}
    `,
    );
    const [a, b, c] = config.deployments;
    assert.deepEqual(timeoutsFor(config.router, "fast", a), {
      attemptMs: 10_000,
      firstTokenMs: 4_000,
      idleMs: 20_000,
      connectMs: 1_500,
      totalMs: 25_000,
    });
    // The deployment's own timeout and stream_timeout beat the group's.
    assert.deepEqual(timeoutsFor(config.router, "fast", b), {
      attemptMs: 7_000,
      firstTokenMs: 4_000,
      idleMs: 3_000,
      connectMs: 1_500,
      totalMs: 25_000,
    });
    assert.deepEqual(timeoutsFor(config.router, "slow", c), {
      attemptMs: 60_000,
      firstTokenMs: 30_000,
      idleMs: 20_000,
      connectMs: 2_000,
      totalMs: 300_000,
    });
    // A request for a model matched by a wildcard group takes that group's block.
    assert.equal(timeoutsFor(config.router, "anthropic/claude-x").idleMs, 9_000);
  });

  test("connect never outlasts the attempt", () => {
    const config = load(`${MODELS}router_settings: {timeout: 3}`);
    assert.equal(timeoutsFor(config.router, "slow").connectMs, 3_000);
  });

  test("unknown groups, unknown keys and bad values are errors with paths", () => {
    const message = errorOf(
      MODELS +
        yaml`
      router_settings:
        total_timeout: 0
        model_group_timeouts:
          fats: {timeout: 1}
          slow: {first_token: 3, idle_timeout: 2, connect_timeout: -1}
          fast: 12
    `,
    );
    assert.equal(
      message,
      [
        "config: router_settings.total_timeout: expected a positive number, got 0",
        'config: router_settings.model_group_timeouts.fats: unknown model group "fats" (did you mean "fast"?)',
        "config: router_settings.model_group_timeouts.slow.first_token: unknown timeout; expected one of timeout, stream_timeout, connect_timeout, first_token_timeout, total_timeout",
        "config: router_settings.model_group_timeouts.slow.idle_timeout: unknown timeout; expected one of timeout, stream_timeout, connect_timeout, first_token_timeout, total_timeout",
        "config: router_settings.model_group_timeouts.slow.connect_timeout: expected a positive number, got -1",
        "config: router_settings.model_group_timeouts.fast: expected a map, got 12",
      ].join("\n"),
    );
  });
});
