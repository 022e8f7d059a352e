import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_CATALOG, MOCK_PRICE } from "./catalog.js";
import { candidateNames, findPrice } from "./lookup.js";
import { resolvePrice } from "./resolve.js";
import { deployment } from "./spec-helpers.js";

const { openai, anthropic } = DEFAULT_CATALOG.prices;

describe("findPrice", () => {
  test("strips OpenAI date and version suffixes", () => {
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-4o-2024-08-06"), openai["gpt-4o"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-4o-mini-2024-07-18"), openai["gpt-4o-mini"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-5-2025-08-07"), openai["gpt-5"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "o1-2024-12-17"), openai["o1"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-3.5-turbo-0125"), openai["gpt-3.5-turbo"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-4-turbo-2024-04-09"), openai["gpt-4-turbo"]);
    assert.equal(
      findPrice(DEFAULT_CATALOG, "openai", "gpt-4o-mini-audio-preview-2024-12-17"),
      openai["gpt-4o-mini-audio-preview"],
    );
  });

  test("strips Anthropic date suffixes and -latest aliases", () => {
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-3-5-sonnet-20241022"), anthropic["claude-3-5-sonnet"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-3-5-sonnet-latest"), anthropic["claude-3-5-sonnet"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-3-7-sonnet-latest"), anthropic["claude-3-7-sonnet"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-opus-4-20250514"), anthropic["claude-opus-4"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-sonnet-4-5-20250929"), anthropic["claude-sonnet-4-5"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-haiku-4-5-20251001"), anthropic["claude-haiku-4-5"]);
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-opus-4-5-20251101"), anthropic["claude-opus-4-5"]);
    // Anthropic's -4-0 aliases are entries of their own.
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "claude-sonnet-4-0"), anthropic["claude-sonnet-4"]);
  });

  test("prefers an exact snapshot entry whose price differs from the alias", () => {
    // gpt-4o-2024-05-13 kept its $5 / $15 launch price; the 2024-10-01 audio preview had $100 / $200 audio.
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-4o-2024-05-13")?.rates.input, 5_000_000);
    assert.equal(
      findPrice(DEFAULT_CATALOG, "openai", "gpt-4o-audio-preview-2024-10-01")?.rates.inputAudio,
      100_000_000,
    );
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-4o-audio-preview-2024-12-17")?.rates.inputAudio, 40_000_000);
  });

  test("keys prices by provider, with a * entry for the mock provider", () => {
    assert.equal(findPrice(DEFAULT_CATALOG, "anthropic", "gpt-4o"), undefined);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "claude-3-haiku"), undefined);
    assert.equal(findPrice(DEFAULT_CATALOG, "mock", "echo"), MOCK_PRICE);
    assert.equal(findPrice(DEFAULT_CATALOG, "mock", "gpt-4o"), MOCK_PRICE);
  });

  test("finds nothing for unknown names, inherited keys or a bare suffix", () => {
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "gpt-4-0613"), undefined);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "constructor"), undefined);
    assert.equal(findPrice(DEFAULT_CATALOG, "openai", "-latest"), undefined);
    assert.deepEqual(candidateNames("-latest"), ["-latest"]);
    assert.deepEqual(candidateNames(" gpt-4o-2024-08-06 "), ["gpt-4o-2024-08-06", "gpt-4o"]);
  });

  test("resolvePrice looks up model_info.base_model instead of the upstream name", () => {
    const custom = deployment("openai", "my-finetune", { modelInfo: { base_model: "openai/gpt-4o-mini" } });
    assert.equal(resolvePrice(custom).price, openai["gpt-4o-mini"]);
    const bare = deployment("openai", "my-finetune", { modelInfo: { base_model: "gpt-4o-2024-08-06" } });
    assert.equal(resolvePrice(bare).price, openai["gpt-4o"]);
  });
});
