// Any YAML value in any position gives a config or a ConfigError: never a TypeError, never a leaked secret.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "./errors.js";
import { parseConfig } from "./load.js";

const SECRET = "sk-leak-me-0123456789";

/** A config touching every section and field kind; JSON is flow YAML, so it is written as data. */
const BASE = {
  model_list: [
    {
      model_name: "a",
      litellm_params: {
        model: "openai/gpt-4o",
        api_base: "http://h/v1",
        api_key: "os.environ/K",
        rpm: 1,
        tpm: 2,
        weight: 1,
        timeout: 3,
        tags: ["t"],
        temperature: 0.5,
      },
      model_info: { id: "x", mode: "chat" },
      rpm: 1,
    },
    { model_name: "b", litellm_params: { model: "mock/m", mock_latency_ms: 1, mock_failure_rate: 0.5 } },
    { model_name: "c", litellm_params: { model: "oobabooga/x" } },
  ],
  router_settings: {
    routing_strategy: "least-busy",
    num_retries: 1,
    fallbacks: [{ a: ["b"] }],
    default_fallbacks: ["b"],
  },
  litellm_settings: {
    drop_params: true,
    request_timeout: 5,
    context_window_fallbacks: [{ b: ["a"] }],
    callbacks: ["x"],
  },
  general_settings: { master_key: "os.environ/MK", max_request_size_mb: 1, alerting: ["slack"] },
};

/** Raw YAML flow values substituted at every position. */
const HOSTILE = [
  "null",
  "~",
  "0",
  "-1",
  "1.5",
  ".nan",
  "-.inf",
  "1e400",
  "True",
  "off",
  '""',
  '"abc"',
  "2024-01-01",
  "!!binary aGk=",
  "!!set {a}",
  "!!omap [a: 1]",
  "[]",
  "{}",
  "[[1], {a: 2}]",
  '{"x": {"y": [null]}}',
  '"os.environ/MISSING_VAR"',
  '"os.environ/not a name"',
  `"${SECRET}"`,
  '"*"',
  '"/"',
  '"openai/"',
  '"opnai/x"',
];

const PLACEHOLDER = "\u0000hostile\u0000";

type Path = readonly (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => [[...prefix, i], ...paths(item, [...prefix, i])]);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
  }
  return [];
}

function replaced(path: Path, replacement: unknown): unknown {
  const copy = structuredClone(BASE) as unknown;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

function check(text: string, label: string, secretField: boolean): void {
  try {
    const config = parseConfig(text, "config", { env: { K: "k", MK: "mk" } });
    for (const w of config.warnings) assert.ok(!w.message.includes(SECRET), `${label}: warning leaks the secret`);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${label}: threw ${String(err)}`);
    assert.ok(
      err.message.split("\n").every((line) => line.startsWith("config: ")),
      `${label}: ${err.message}`,
    );
    if (secretField) assert.ok(!err.message.includes(SECRET), `${label}: error leaks the secret`);
  }
}

describe("any value in any position", () => {
  test("the base config loads", () => {
    assert.equal(parseConfig(JSON.stringify(BASE), "config", { env: {} }).deployments.length, 2);
  });

  test("every substitution and removal gives a config or a ConfigError", () => {
    let cases = 0;
    for (const path of paths(BASE)) {
      const secretField = path.at(-1) === "api_key" || path.at(-1) === "master_key";
      check(JSON.stringify(replaced(path, undefined)), `remove ${path.join(".")}`, secretField);
      for (const value of HOSTILE) {
        const text = JSON.stringify(replaced(path, PLACEHOLDER)).replace(JSON.stringify(PLACEHOLDER), value);
        check(text, `${path.join(".")} = ${value}`, secretField);
        cases++;
      }
    }
    assert.ok(cases > 1000, `only ${cases} cases`);
  });

  test("every value at the top level gives a config or a ConfigError", () => {
    for (const value of HOSTILE) check(value, `top level = ${value}`, false);
    for (const section of Object.keys(BASE)) {
      for (const value of HOSTILE) check(`${section}: ${value}`, `${section} = ${value}`, false);
    }
  });
});
