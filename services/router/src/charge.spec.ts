import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { llm, worker } from "@switchyard/proto";
import { chargedTokens, mayHoldCharge } from "./charge.js";

const charge = { costNanos: 123n, priceVersion: "v", eventId: "e", promptTokens: 40, completionTokens: 2 };

describe("chargedTokens", () => {
  it("reads the charge of a unary answer without decoding the completion", () => {
    const completion = create(llm.ChatCompletionSchema, {
      id: "c",
      model: "m",
      choices: [{ index: 0, message: { content: "x".repeat(10_000) } }],
    });
    const bytes = toBinary(worker.ChatResponseSchema, create(worker.ChatResponseSchema, { completion, charge }));
    assert.equal(chargedTokens(bytes), 42);
    assert.equal(
      chargedTokens(toBinary(worker.ChatResponseSchema, create(worker.ChatResponseSchema, { completion }))),
      0,
    );
  });

  it("tells a stream's charge message from its chunks by the first byte", () => {
    const chunkMsg = toBinary(
      worker.StreamChatResponseSchema,
      create(worker.StreamChatResponseSchema, { chunk: { id: "c", model: "m" } }),
    );
    const chargeMsg = toBinary(worker.StreamChatResponseSchema, create(worker.StreamChatResponseSchema, { charge }));
    assert.equal(mayHoldCharge(chunkMsg), false);
    assert.equal(mayHoldCharge(chargeMsg), true);
    assert.equal(chargedTokens(chargeMsg), 42);
  });

  it("counts nothing for garbage", () => {
    assert.equal(chargedTokens(new Uint8Array([0x12, 0xff, 0xff, 0xff])), 0);
  });
});
