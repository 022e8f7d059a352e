import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError } from "./errors.js";
import { loadConfig, parseConfig } from "./load.js";

const dir = mkdtempSync(join(tmpdir(), "switchyard-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("loadConfig", () => {
  test("reads and parses a file, naming it in errors", () => {
    const good = join(dir, "good.yaml");
    writeFileSync(good, "model_list:\n  - {model_name: m, litellm_params: {model: mock/m}}\n");
    assert.equal(loadConfig(good, { env: {} }).deployments[0]?.id, "m/0");
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "model_list:\n  - {model_name: m, litellm_params: {model: mock/m, rpm: abc}}\n");
    assert.throws(() => loadConfig(bad), {
      name: "ConfigError",
      message: `${bad}: model_list[0].litellm_params.rpm: expected a non-negative integer, got "abc"`,
    });
  });

  test("an unreadable path is a ConfigError", () => {
    const missing = join(dir, "missing.yaml");
    assert.throws(() => loadConfig(missing), {
      name: "ConfigError",
      message: `${missing}: cannot read the file (ENOENT)`,
    });
    assert.throws(() => loadConfig(dir), { name: "ConfigError", message: `${dir}: cannot read the file (EISDIR)` });
  });
});

describe("parseConfig", () => {
  test("the whole file must be a map", () => {
    const expected = "expected a map of settings such as model_list and router_settings";
    assert.throws(() => parseConfig(""), { message: `config: ${expected}, got nothing` });
    assert.throws(() => parseConfig("- a\n- b", "my.yaml"), { message: `my.yaml: ${expected}, got a list` });
    assert.throws(() => parseConfig("just text"), { message: `config: ${expected}, got "just text"` });
  });

  test("many issues are summarised after the first fifty", () => {
    const entries = Array.from({ length: 60 }, () => "  - {model_name: m, litellm_params: {model: mock/m, rpm: x}}");
    try {
      parseConfig(`model_list:\n${entries.join("\n")}`);
      assert.fail("expected an error");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues.length, 60);
      const lines = err.message.split("\n");
      assert.equal(lines.length, 51);
      assert.equal(lines[50], "config: and 10 more");
    }
  });

  test("the result is plain data that survives JSON", () => {
    const config = parseConfig(
      "model_list:\n  - {model_name: m, litellm_params: {model: mock/m}, model_info: {max_tokens: 10}}",
      "config",
      { env: {} },
    );
    assert.deepEqual(JSON.parse(JSON.stringify(config)), config);
  });
});
