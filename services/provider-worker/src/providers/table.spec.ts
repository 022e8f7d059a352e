import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { adapters } from "./registry.js";
import { capabilityTable, withTable } from "./table.js";

const DOC = join(dirname(fileURLToPath(import.meta.url)), "../../../../docs/providers.md");

describe("provider capability table", () => {
  it("has a row for every provider id", () => {
    const table = capabilityTable();
    for (const id of Object.keys(adapters)) assert.ok(table.includes(`\`${id}/\``), id);
  });

  it("is current in docs/providers.md (run `npm run docs:providers` after changing an adapter)", () => {
    const doc = readFileSync(DOC, "utf8");
    assert.equal(doc, withTable(doc));
  });
});
