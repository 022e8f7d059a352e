import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { chatRequestToJson, parseChatRequest } from "./index.js";
import { fixtures, mutate, randomJson, rejects, seededRandom } from "./testdata.js";

const user = { role: "user", content: "hi" };
const base = { model: "gpt-4o", messages: [user] };

describe("parseChatRequest on hostile input", () => {
  it("rejects bodies that are not objects", () => {
    for (const body of [null, undefined, 1, "x", true, [], [base]])
      rejects(body, "request body: expected a JSON object", "");
  });

  it("rejects prototype-pollution keys anywhere, naming the path", () => {
    rejects(
      JSON.parse('{"model":"m","messages":[],"__proto__":{"x":1}}'),
      "__proto__: this key is not allowed",
      "__proto__",
    );
    rejects(
      { ...base, messages: [{ ...user, constructor: "x" }] },
      "messages[0].constructor: this key is not allowed",
      "messages[0].constructor",
    );
    const tools = [{ type: "function", function: { name: "f", parameters: { properties: { prototype: {} } } } }];
    const path = "tools[0].function.parameters.properties.prototype";
    rejects({ ...base, tools }, `${path}: this key is not allowed`, path);
    rejects(
      { ...base, metadata: JSON.parse('{"__proto__":"x"}') },
      "metadata.__proto__: this key is not allowed",
      "metadata.__proto__",
    );
    assert.equal(({} as Record<string, unknown>)["x"], undefined);
  });

  it("rejects hostile nesting without exhausting the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    assert.throws(
      () => parseChatRequest({ ...base, x_future: deep }),
      (err: unknown) => err instanceof GatewayError && /nested deeper than 100 levels/.test(err.message),
    );
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 200; i++) schema = { type: "object", properties: { a: schema } };
    const tools = [{ type: "function", function: { name: "f", parameters: schema } }];
    assert.throws(() => parseChatRequest({ ...base, tools }), GatewayError);
  });

  it("handles huge arrays in linear time", () => {
    const messages = Array.from({ length: 100_000 }, (_, i) => ({
      role: i % 2 ? "assistant" : "user",
      content: `m${i}`,
    }));
    const started = performance.now();
    const req = parseChatRequest({ model: "m", messages, stop: Array(50_000).fill("x") });
    assert.equal(req.messages.length, 100_000);
    assert.equal(req.stop.length, 50_000);
    assert.ok(performance.now() - started < 5_000);
  });

  it("throws nothing but GatewayError for random and mutated JSON", () => {
    const rand = seededRandom(20240607);
    const bodies = fixtures("requests").map((f) => f.json);
    for (let i = 0; i < 20_000; i++) {
      const body = i % 4 === 0 ? randomJson(rand, 4) : mutate(bodies[i % bodies.length], rand);
      try {
        const out = chatRequestToJson(parseChatRequest(body), "upstream");
        // What the codec sends, it accepts again unchanged.
        assert.deepEqual(chatRequestToJson(parseChatRequest(out), "upstream"), out);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        if (!(err instanceof GatewayError)) assert.fail(`${String(err)} for ${JSON.stringify(body).slice(0, 300)}`);
        assert.equal(err.detail.class, llm.ErrorClass.INVALID_REQUEST);
      }
    }
  });

  it("refuses canonical requests it cannot render", () => {
    const req = parseChatRequest(base);
    req.extraJson = "[1]";
    assert.throws(() => chatRequestToJson(req, "m"), /extra_json: expected a JSON object/);
    const noRole = parseChatRequest(base);
    noRole.messages[0]!.role = llm.Role.UNSPECIFIED;
    assert.throws(() => chatRequestToJson(noRole, "m"), /messages\[0\]\.role: required/);
  });
});
