import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { mayHoldCharge, readCharge } from "./charge.js";
import * as worker from "./gen/switchyard/worker/v1/worker_pb.js";
import * as llm from "./llm.js";

const tokens = (bytes: Uint8Array) => {
  const c = readCharge(bytes);
  return c === undefined ? 0 : c.promptTokens + c.completionTokens;
};

const charge = { costNanos: 123n, priceVersion: "v", eventId: "e", promptTokens: 40, completionTokens: 2 };

describe("readCharge", () => {
  it("reads the charge of a unary answer without decoding the completion", () => {
    const completion = create(llm.ChatCompletionSchema, {
      id: "c",
      model: "m",
      choices: [{ index: 0, message: { content: "x".repeat(10_000) } }],
    });
    const bytes = toBinary(worker.ChatResponseSchema, create(worker.ChatResponseSchema, { completion, charge }));
    assert.equal(tokens(bytes), 42);
    assert.equal(tokens(toBinary(worker.ChatResponseSchema, create(worker.ChatResponseSchema, { completion }))), 0);
  });

  it("tells a stream's charge message from its chunks by the first byte", () => {
    const chunkMsg = toBinary(
      worker.StreamChatResponseSchema,
      create(worker.StreamChatResponseSchema, { chunk: { id: "c", model: "m" } }),
    );
    const chargeMsg = toBinary(worker.StreamChatResponseSchema, create(worker.StreamChatResponseSchema, { charge }));
    assert.equal(mayHoldCharge(chunkMsg), false);
    assert.equal(mayHoldCharge(chargeMsg), true);
    assert.equal(tokens(chargeMsg), 42);
  });

  it("finds no charge in garbage or in an answer without one", () => {
    assert.equal(readCharge(new Uint8Array([0x12, 0xff, 0xff, 0xff])), undefined);
    assert.equal(readCharge(Buffer.from([0xff, 0xff, 0xff])), undefined);
    assert.equal(readCharge(new Uint8Array()), undefined);
  });

  it("returns the whole charge, cost included", () => {
    const bytes = toBinary(worker.StreamChatResponseSchema, create(worker.StreamChatResponseSchema, { charge }));
    assert.equal(readCharge(bytes)?.costNanos, 123n);
  });
});
