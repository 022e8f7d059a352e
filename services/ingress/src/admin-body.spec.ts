import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GatewayError } from "@switchyard/runtime";
import { checkTree, queryFields } from "./admin-body.js";

const refusesAt = (json: string, param: string) =>
  assert.throws(
    () => checkTree(JSON.parse(json)),
    (err: GatewayError) => err.detail.param === param && err.detail.httpStatus === 400,
    json,
  );

describe("checkTree", () => {
  it("accepts ordinary JSON", () => {
    checkTree(JSON.parse('{"metadata": {"a": [1, {"b": null}], "proto": 1, "__proto": 2}, "models": ["x"]}'));
  });

  it("refuses prototype-polluting keys at any depth, naming where", () => {
    refusesAt('{"__proto__": {"admin": true}}', "__proto__");
    refusesAt('{"metadata": {"__proto__": {"isAdmin": true}}}', "metadata.__proto__");
    refusesAt('{"metadata": {"a": {"constructor": {"prototype": {}}}}}', "metadata.a.constructor");
    refusesAt('{"members_with_roles": [{"user_id": "u"}, {"prototype": 1}]}', "members_with_roles[1].prototype");
  });

  it("refuses deep nesting without recursing", () => {
    const deep = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    assert.throws(() => checkTree(JSON.parse(deep)), /nested deeper than/);
    const wide = `[${"[".repeat(50)}${"]".repeat(50)}]`;
    assert.throws(() => checkTree(JSON.parse(wide)), /nested deeper than/);
  });
});

describe("queryFields", () => {
  it("reads each parameter once into an object without a prototype", () => {
    const fields = queryFields(new URLSearchParams("key=sk-1&page=2"));
    assert.equal(Object.getPrototypeOf(fields), null);
    assert.deepEqual({ ...fields }, { key: "sk-1", page: "2" });
    assert.equal(fields["toString"], undefined);
  });

  it("refuses repeated and prototype-polluting parameters", () => {
    assert.throws(() => queryFields(new URLSearchParams("key=a&key=b")), /key: given more than once/);
    assert.throws(() => queryFields(new URLSearchParams("__proto__=x")), /__proto__: keys/);
    assert.throws(() => queryFields(new URLSearchParams("constructor=x")), /constructor: keys/);
  });
});
