import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Json, normalizeOpenApi } from "./conformance-normalize.js";

const spec = (schemas: Record<string, Json>): Json => ({ openapi: "3.1.0", components: { schemas } });
const schemasOf = (document: Json): Record<string, Json> =>
  (document as { components: { schemas: Record<string, Json> } }).components.schemas;

describe("normalizeOpenApi", () => {
  it("turns nullable into anyOf with null, also for enums and $refs", () => {
    const { document } = normalizeOpenApi(
      spec({
        Reason: { type: "string", enum: ["stop"], nullable: true },
        Usage: { properties: { usage: { $ref: "#/components/schemas/U", nullable: true } } },
      }),
    );
    const schemas = schemasOf(document);
    assert.deepEqual(schemas["Reason"], { anyOf: [{ type: "string", enum: ["stop"] }, { type: "null" }] });
    assert.deepEqual(schemas["Usage"], {
      properties: { usage: { anyOf: [{ $ref: "#/components/schemas/U" }, { type: "null" }] } },
    });
  });

  it("keeps properties that are merely named like keywords", () => {
    const schema = { properties: { nullable: { type: "boolean" }, format: { type: "string" } } };
    const { document, formats } = normalizeOpenApi(spec({ S: schema }));
    assert.deepEqual(schemasOf(document)["S"], schema);
    assert.equal(formats.size, 0);
  });

  it("converts boolean exclusive bounds and collects formats", () => {
    const { document, formats } = normalizeOpenApi(
      spec({
        N: {
          type: "number",
          minimum: 0,
          exclusiveMinimum: true,
          maximum: 2,
          exclusiveMaximum: false,
          format: "double",
        },
      }),
    );
    assert.deepEqual(schemasOf(document)["N"], { type: "number", exclusiveMinimum: 0, maximum: 2, format: "double" });
    assert.deepEqual([...formats], ["double"]);
  });

  it("points $recursiveRef at the enclosing component schema", () => {
    const { document } = normalizeOpenApi(
      spec({
        Filter: { $recursiveAnchor: true, type: "object", properties: { of: { items: { $recursiveRef: "#" } } } },
      }),
    );
    assert.deepEqual(schemasOf(document)["Filter"], {
      type: "object",
      properties: { of: { items: { $ref: "#/components/schemas/Filter" } } },
    });
  });

  it("rejects a document without components.schemas", () => {
    assert.throws(() => normalizeOpenApi({ openapi: "3.1.0" }), /expected an OpenAPI document with components.schemas/);
  });
});
