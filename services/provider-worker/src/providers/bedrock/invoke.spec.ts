import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import type { AwsStreamMessage } from "../aws/event-stream.js";
import { testDeployment } from "../testkit.js";
import { BEDROCK_ANTHROPIC_VERSION, InvokeStreamTranslator, toInvokeBody } from "./invoke.js";

const dep = testDeployment("bedrock", { model: "invoke/anthropic.claude-3-5-haiku-20241022-v1:0" });

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const chunk = (event: Record<string, unknown>): AwsStreamMessage => ({
  messageType: "event",
  eventType: "chunk",
  payload: json({ bytes: Buffer.from(JSON.stringify(event)).toString("base64") }),
});

describe("bedrock InvokeModel (Anthropic)", () => {
  it("sends Anthropic's body without model or stream, with Bedrock's anthropic_version", () => {
    const request = create(llm.ChatCompletionRequestSchema, {
      model: "g",
      messages: [{ role: llm.Role.USER, content: { case: "text", value: "Hi" } }],
      maxTokens: 50,
    });
    const body = toInvokeBody(request, dep);
    assert.equal(body.anthropic_version, BEDROCK_ANTHROPIC_VERSION);
    assert.equal(body.model, undefined);
    assert.equal(body.stream, undefined);
    assert.equal(body.max_tokens, 50);
    assert.deepEqual(body.messages, [{ role: "user", content: "Hi" }]);
  });

  it("unwraps each chunk's base64 bytes into Anthropic's stream events, to the usage chunk", () => {
    const t = new InvokeStreamTranslator(1_700_000_000, dep);
    const out = [
      chunk({
        type: "message_start",
        message: { id: "msg_1", model: "claude", usage: { input_tokens: 9, output_tokens: 1 } },
      }),
      { messageType: "event", eventType: "somethingElse", payload: json({}) },
      chunk({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      chunk({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }),
      chunk({ type: "content_block_stop", index: 0 }),
      chunk({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 3 } }),
      chunk({ type: "message_stop", "amazon-bedrock-invocationMetrics": { inputTokenCount: 9, outputTokenCount: 3 } }),
    ].flatMap((m) => t.translate(m as AwsStreamMessage));
    assert.equal(t.finished, true);
    assert.equal(out.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello");
    assert.equal(out.find((c) => c.choices[0]?.finishReason)?.choices[0]?.finishReason, "stop");
    const usage = out.at(-1)?.usage;
    assert.equal(usage?.promptTokens, 9);
    assert.equal(usage?.completionTokens, 3);
  });

  it("throws an exception message as its classified error, and a chunk without bytes as malformed", () => {
    const t = new InvokeStreamTranslator(0, dep);
    const throttled = (() => {
      try {
        t.translate({
          messageType: "exception",
          exceptionType: "throttlingException",
          payload: json({ message: "Too many requests" }),
        });
      } catch (err) {
        return err;
      }
    })();
    assert.ok(throttled instanceof GatewayError);
    assert.equal(throttled.errorClass, llm.ErrorClass.RATE_LIMITED);
    assert.throws(
      () => t.translate({ messageType: "event", eventType: "chunk", payload: json({ nothing: 1 }) }),
      (err: unknown) => err instanceof GatewayError && /without bytes/.test(err.message),
    );
  });
});
