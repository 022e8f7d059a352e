import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROVIDER_IDS } from "@switchyard/config";
import { adapterFor, adapters } from "./registry.js";

describe("registry", () => {
  it("has a frozen adapter for every provider id", () => {
    for (const id of PROVIDER_IDS) {
      const adapter = adapterFor(id);
      assert.equal(typeof adapter.chat, "function", id);
      assert.equal(typeof adapter.streamChat, "function", id);
      assert.ok(Object.isFrozen(adapter), id);
    }
    assert.ok(Object.isFrozen(adapters));
    assert.deepEqual(Object.keys(adapters).sort(), [...PROVIDER_IDS].sort());
  });
});
