import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createModelAccess, matchesGroup } from "./models.js";
import { deployment } from "./testkit.js";

describe("matchesGroup", () => {
  it("matches names exactly and patterns with * as any run of characters", () => {
    const cases: [string, string, boolean][] = [
      ["gpt-4o", "gpt-4o", true],
      ["gpt-4o", "gpt-4o-mini", false],
      ["*", "", true],
      ["*", "anything/at all", true],
      ["openai/*", "openai/gpt-4o", true],
      ["openai/*", "openai/", true],
      ["openai/*", "anthropic/claude", false],
      ["*-mini", "gpt-4o-mini", true],
      ["a*b*c", "aXbYc", true],
      ["a*b*c", "aXbY", false],
      ["gpt.4", "gpt-4", false],
      ["(.*)", "x", false],
    ];
    for (const [pattern, name, expected] of cases) assert.equal(matchesGroup(pattern, name), expected, pattern);
  });

  it("stays fast on patterns built to backtrack", () => {
    const started = Date.now();
    assert.equal(matchesGroup(`${"*a".repeat(120)}*b`, "a".repeat(5_000)), false);
    assert.ok(Date.now() - started < 500);
  });
});

describe("createModelAccess", () => {
  const access = createModelAccess([
    deployment("gpt-4o", ["fast", "openai"]),
    deployment("gpt-4o", ["fast"]),
    deployment("claude-3", ["smart"]),
    deployment("anthropic/*", ["smart"]),
    deployment("plain"),
  ]);

  it("collects access groups from model_info.access_groups", () => {
    assert.deepEqual(Object.fromEntries(access.accessGroups), {
      fast: ["gpt-4o"],
      openai: ["gpt-4o"],
      smart: ["claude-3", "anthropic/*"],
    });
  });

  it("allows by name, pattern, access group, and everything for an empty list", () => {
    assert.equal(access.allows([], "whatever"), true);
    assert.equal(access.allows(["plain"], "plain"), true);
    assert.equal(access.allows(["smart"], "anthropic/claude-opus"), true);
    assert.equal(access.allows(["smart"], "gpt-4o"), false);
    assert.equal(access.allows(["nope", "fast"], "gpt-4o"), true);
    assert.equal(access.allows(["nope"], "nope-2"), false);
  });

  it("ignores access_groups that are not lists of strings", () => {
    const odd = createModelAccess([
      { ...deployment("x"), modelInfo: { access_groups: "fast" } },
      { ...deployment("y"), modelInfo: { access_groups: [1, null, "", "ok"] } },
    ]);
    assert.deepEqual(Object.fromEntries(odd.accessGroups), { ok: ["y"] });
  });
});
