import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { mayHoldCharge, readCharge, withFailedAttempts } from "./charge.js";
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

describe("withFailedAttempts", () => {
  const failed = { costNanos: 700n, promptTokens: 30, completionTokens: 5 };

  it("adds the failed attempts' charge to a unary answer that every parser merges into its charge", () => {
    const completion = create(llm.ChatCompletionSchema, { id: "c", model: "m", choices: [{ index: 0 }] });
    const bytes = toBinary(worker.ChatResponseSchema, create(worker.ChatResponseSchema, { completion, charge }));
    const out = withFailedAttempts(bytes, failed);
    assert.deepEqual(out.subarray(0, bytes.byteLength), bytes, "the answer's own bytes are kept as they are");
    const read = readCharge(out);
    assert.equal(read?.costNanos, 123n);
    assert.equal(read?.eventId, "e");
    assert.equal(read?.failedAttemptsCostNanos, 700n);
    assert.equal(read?.failedAttemptsPromptTokens, 30);
    assert.equal(read?.failedAttemptsCompletionTokens, 5);
    // protobuf-es decoding the whole message merges the two occurrences the same way.
    const decoded = fromBinary(worker.ChatResponseSchema, out);
    assert.equal(decoded.completion?.id, "c");
    assert.equal(decoded.charge?.costNanos, 123n);
    assert.equal(decoded.charge?.failedAttemptsCostNanos, 700n);
  });

  it("keeps a stream's charge message recognisable", () => {
    const chargeMsg = toBinary(worker.StreamChatResponseSchema, create(worker.StreamChatResponseSchema, { charge }));
    const out = withFailedAttempts(chargeMsg, failed);
    assert.equal(mayHoldCharge(out), true);
    assert.equal(readCharge(out)?.promptTokens, 40);
    assert.equal(readCharge(out)?.failedAttemptsCompletionTokens, 5);
  });

  it("gives an answer without a charge one that holds only the failed attempts", () => {
    const out = withFailedAttempts(new Uint8Array(), failed);
    assert.equal(readCharge(out)?.costNanos, 0n);
    assert.equal(readCharge(out)?.failedAttemptsCostNanos, 700n);
  });
});
