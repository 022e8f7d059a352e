// Validates what the codec renders against OpenAI's published OpenAPI document. Deliberately small
// and local: the shared conformance validator for end-to-end tests lives under test/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import {
  chatRequestToJson,
  parseChatChunk,
  parseChatCompletion,
  parseChatRequest,
  renderChatChunk,
  renderChatCompletion,
  renderError,
  renderModelList,
} from "./index.js";
import { fixtures } from "./testdata.js";

function specUrl(): URL {
  const shared = process.env["SWITCHYARD_SHARED_DIR"];
  if (shared) return pathToFileURL(join(shared, "conformance", "openai-openapi.yaml"));
  return new URL("../../../../shared/conformance/openai-openapi.yaml", import.meta.url);
}

/**
 * OpenAPI 3.0's `nullable: true` becomes `anyOf: [schema, {type: "null"}]`: ajv's own `nullable`
 * needs a `type` beside it and still applies `enum` to null, and this document has both cases.
 */
function nullableToAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToAnyOf);
  if (typeof node !== "object" || node === null) return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableToAnyOf(v)]));
  if (out["nullable"] !== true) return out;
  delete out["nullable"];
  return { anyOf: [out, { type: "null" }] };
}

/** One validator per component schema, compiled on first use from the spec added under the id "spec". */
function openApiValidator(): (schema: string, value: unknown) => void {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  // strict: false ignores the OpenAPI-only keywords (discriminator, example, x-*); ajv knows `nullable`.
  ajv.addSchema(nullableToAnyOf(parse(readFileSync(specUrl(), "utf8"))) as object, "spec");
  const compiled = new Map<string, ValidateFunction>();
  return (schema, value) => {
    let validate = compiled.get(schema);
    if (validate === undefined) {
      validate = ajv.getSchema(`spec#/components/schemas/${schema}`);
      assert.ok(validate, `no schema ${schema}`);
      compiled.set(schema, validate);
    }
    assert.ok(validate(value), `${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
  };
}

describe("rendered bodies conform to the OpenAI OpenAPI document", () => {
  const conforms = openApiValidator();

  for (const { name, json } of fixtures("responses")) {
    it(`chat.completion from ${name}`, () => {
      conforms("CreateChatCompletionResponse", JSON.parse(renderChatCompletion(parseChatCompletion(json))));
    });
  }

  for (const { name, json } of fixtures<unknown[]>("streams")) {
    it(`chat.completion.chunk from ${name}`, () => {
      for (const chunk of json)
        conforms("CreateChatCompletionStreamResponse", JSON.parse(renderChatChunk(parseChatChunk(chunk))));
    });
  }

  // passthrough.json carries a part type OpenAI does not define, on purpose.
  for (const { name, json } of fixtures("requests").filter((f) => f.name !== "passthrough.json")) {
    it(`upstream request from ${name}`, () => {
      conforms("CreateChatCompletionRequest", chatRequestToJson(parseChatRequest(json), "gpt-4o"));
    });
  }

  it("errors", () => {
    conforms(
      "ErrorResponse",
      JSON.parse(renderError(invalidRequest("temperature: expected a number", "temperature").detail)),
    );
    const bare = create(llm.ErrorSchema, { message: "upstream unavailable" });
    assert.equal(
      renderError(bare),
      '{"error":{"message":"upstream unavailable","type":"api_error","param":null,"code":null}}',
    );
    conforms("ErrorResponse", JSON.parse(renderError(bare)));
  });

  it("model lists", () => {
    const models = [
      create(llm.ModelSchema, { id: "gpt-4o", created: 1715367049, ownedBy: "switchyard" }),
      create(llm.ModelSchema, { id: 'claude "sonnet"', created: 0, ownedBy: "anthropic" }),
    ];
    const body = renderModelList(models);
    assert.equal(
      body,
      '{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"switchyard"},' +
        '{"id":"claude \\"sonnet\\"","object":"model","created":0,"owned_by":"anthropic"}]}',
    );
    conforms("ListModelsResponse", JSON.parse(body));
    conforms("ListModelsResponse", JSON.parse(renderModelList([])));
  });
});
