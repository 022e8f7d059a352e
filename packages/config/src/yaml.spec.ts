import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "./errors.js";
import { errorOf, load, yaml } from "./spec-helpers.js";
import { parseYaml } from "./yaml.js";

describe("yaml 1.1 as PyYAML reads it", () => {
  test("underscored integers, sexagesimal and octal numbers", () => {
    assert.deepEqual(parseYaml("a: 20_000\nb: 100_000\nc: 1:30\nd: 010\ne: 0x1f", "t"), {
      a: 20000,
      b: 100000,
      c: 90,
      d: 8,
      e: 31,
    });
  });

  test("True, yes and on are booleans, but y and n stay strings as in PyYAML", () => {
    assert.deepEqual(parseYaml("a: True\nb: yes\nc: off\nd: y\ne: N", "t"), {
      a: true,
      b: true,
      c: false,
      d: "y",
      e: "N",
    });
  });

  test("merge keys and flow maps with trailing commas", () => {
    const text = yaml`
      base: &base {x: 1, y: 2}
      child:
        <<: *base
        y: 3
      flow: {
        "a": [1, 2,],
      }
    `;
    assert.deepEqual(parseYaml(text, "t"), { base: { x: 1, y: 2 }, child: { x: 1, y: 3 }, flow: { a: [1, 2] } });
  });

  test("an empty document reads as null", () => {
    assert.equal(parseYaml("# nothing here\n", "t"), null);
  });
});

describe("hostile yaml", () => {
  test("an alias bomb is refused", () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, prev] of [
      ["b", "a"],
      ["c", "b"],
      ["d", "c"],
      ["e", "d"],
      ["f", "e"],
      ["g", "f"],
    ]) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    assert.equal(
      errorOf(rows.join("\n")),
      "config: yaml aliases expand to too much data (limit 100 alias uses); refusing a possible alias bomb",
    );
  });

  test("a recursive alias is refused", () => {
    assert.equal(errorOf("model_list: &a [*a]"), "config: model_list[0]: recursive yaml alias");
  });

  test("__proto__, constructor and prototype keys are refused at any depth", () => {
    const message = errorOf(yaml`
      __proto__: {polluted: true}
      general_settings:
        constructor: 1
      model_list:
        - model_name: m
          litellm_params: {model: mock/m, prototype: 2}
    `);
    assert.equal(
      message,
      [
        'config: __proto__: key "__proto__" is not allowed',
        'config: general_settings.constructor: key "constructor" is not allowed',
        'config: model_list[0].litellm_params.prototype: key "prototype" is not allowed',
      ].join("\n"),
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("deep nesting is refused without exhausting the stack", () => {
    const message = errorOf(`a: ${"[".repeat(100)}${"]".repeat(100)}`);
    assert.match(message, /^config: a(\[0\])+: nested deeper than 64 levels$/);
    const deeper = errorOf(`a: ${"[".repeat(20_000)}${"]".repeat(20_000)}`);
    assert.match(deeper, /^config: /);
  });

  test("syntax errors give line and column and never echo the text", () => {
    const message = errorOf("general_settings:\n  master_key: sk-very-secret\n    bad: : :\n");
    assert.match(message, /^config: line \d+, column \d+: /);
    assert.doesNotMatch(message, /sk-very-secret/);
  });

  test("tokens quoted by the parser are not repeated, as they may be secrets", () => {
    const message = errorOf("a: {b: c}} sk-secret-five");
    assert.doesNotMatch(message, /sk-secret/);
    assert.match(message, /^config: line 1, column 12: unexpected scalar token in yaml stream$/im);
  });

  test("an alias before its anchor is refused", () => {
    assert.equal(
      errorOf("a: *later\nb: &later 1"),
      "config: unresolved yaml alias; an anchor must be defined before its alias",
    );
  });

  test("duplicate keys are refused, including keys that only differ in type", () => {
    assert.equal(errorOf("a: 1\na: 2"), "config: line 2, column 1: map keys must be unique");
    assert.equal(errorOf('m:\n  1: a\n  "1": b'), 'config: m["1"]: duplicate key');
  });

  test("collection keys, unknown tags and multiple documents are refused", () => {
    assert.equal(errorOf("? [a, b]\n: 1"), "config: expected a string key, got a list");
    assert.match(errorOf("a: !!python/object:os.system x"), /^config: line 1, column 4: unresolved tag/);
    assert.match(errorOf("a: 1\n---\nb: 2"), /^config: line 2, column 1: source contains multiple documents/);
  });

  test("errors are ConfigErrors carrying each issue", () => {
    try {
      load("model_list: 5\ngeneral_settings: []");
      assert.fail("expected an error");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.source, "config");
      assert.deepEqual(err.issues, [
        { path: "general_settings", reason: "expected a map, got a list" },
        { path: "model_list", reason: "expected a list of deployments, got 5" },
      ]);
    }
  });
});
