import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findHazard, mergeExtra, quoteJson, restOf } from "./json.js";
import { seededRandom } from "./testdata.js";

describe("quoteJson", () => {
  it("writes exactly what JSON.stringify writes", () => {
    const fixed = [
      "",
      "plain",
      'q"uote',
      "back\\slash",
      "\n\t\u0000\u001f\u007f",
      "\u2028\u2029",
      "😀",
      "\ud83d",
      "a\udc00b",
    ];
    for (const s of fixed) assert.equal(quoteJson(s), JSON.stringify(s));
    const rand = seededRandom(99);
    for (let i = 0; i < 20_000; i++) {
      const s = String.fromCharCode(
        ...Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * 0xffff)),
      );
      assert.equal(quoteJson(s), JSON.stringify(s));
    }
  });
});

describe("extra_json bookkeeping", () => {
  it("never copies prototype keys, and modelled fields win a merge", () => {
    const rest = restOf(JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":2}'), new Set(["b"]));
    assert.deepEqual(rest, { a: 1 });
    const target: Record<string, unknown> = { a: 1, nested: { keep: true } };
    assert.equal(mergeExtra(target, '{"a":2,"toString":3,"nested":{"keep":false,"add":1},"__proto__":{"x":1}}'), true);
    assert.deepEqual(target, { a: 1, toString: 3, nested: { keep: true, add: 1 } });
    assert.equal(({} as Record<string, unknown>)["x"], undefined);
    assert.equal(mergeExtra(target, "[]"), false);
    assert.equal(mergeExtra(target, "{"), false);
  });

  it("finds hazards in document order", () => {
    assert.deepEqual(findHazard(JSON.parse('{"a":[{"b":1},{"constructor":1}],"prototype":2}')), {
      path: "a[1].constructor",
      problem: "this key is not allowed",
    });
    assert.equal(findHazard({ a: [[[1]]] }, 4), undefined);
    assert.deepEqual(findHazard({ a: [[[1]]] }, 3), { path: "a[0][0]", problem: "nested deeper than 3 levels" });
  });
});
