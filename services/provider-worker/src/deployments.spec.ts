import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "@switchyard/config";
import { forRequestedModel } from "./deployments.js";

const deployment = (modelName: string, model: string): Deployment => ({
  id: `${modelName}/0`,
  modelName,
  provider: "openai",
  model,
  weight: 1,
  tags: [],
  modelInfo: {},
  params: {},
  source: "model_list[0]",
});

describe("forRequestedModel", () => {
  it("leaves concrete deployments alone", () => {
    const d = deployment("gpt-4o", "gpt-4o-2024-08-06");
    assert.equal(forRequestedModel(d, "gpt-4o"), d);
  });
  it("substitutes what a catch-all group matched", () => {
    assert.equal(forRequestedModel(deployment("*", "*"), "gpt-4o-mini").model, "gpt-4o-mini");
  });
  it("strips the group's provider prefix for prefixed wildcards", () => {
    assert.equal(
      forRequestedModel(deployment("anthropic/*", "*"), "anthropic/claude-3-5-haiku").model,
      "claude-3-5-haiku",
    );
  });
  it("keeps the deployment's own prefix around the star", () => {
    assert.equal(forRequestedModel(deployment("groq/*", "llama-*"), "groq/3-70b").model, "llama-3-70b");
  });
});
