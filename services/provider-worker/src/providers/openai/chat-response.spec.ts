import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { readSse } from "../sse.js";
import { collect, fixture } from "../testkit.js";
import { chunkOfFrame, DONE, parseChatCompletion } from "./chat-response.js";

const dep = { provider: "openai", id: "openai-test/0" } as const;

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

async function frames(name: string): Promise<string[]> {
  const events = readSse(bytes(fixture(import.meta.url, name)), {
    fail: (err) => GatewayError.from(err),
    tooLarge: () => new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "too large" }),
  });
  return (await collect(events)).map((e) => e.data);
}

describe("openai responses", () => {
  it("parses a completion", () => {
    const out = parseChatCompletion(JSON.parse(fixture(import.meta.url, "response.json")));
    assert.equal(out.id, "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT");
    assert.equal(out.choices[0]?.message?.content, "It is a cat.");
    assert.equal(out.usage?.totalTokens, 29);
  });

  for (const name of ["stream.sse", "stream-compat.sse"]) {
    it(`reads ${name} into chunks ending with [DONE]`, async () => {
      const data = await frames(name);
      assert.equal(data.at(-1), DONE);
      const chunks = data.slice(0, -1).map((d) => chunkOfFrame(d, dep));
      assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cät 🐈.");
      assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
      assert.equal(chunks.at(-1)?.choices.length, 0);
      assert.equal(chunks.at(-1)?.usage?.promptTokens, 19);
    });
  }

  it("throws the classified error of an error frame", async () => {
    const data = await frames("stream-error.sse");
    assert.throws(
      () => data.map((d) => chunkOfFrame(d, dep)),
      (err: unknown) => err instanceof GatewayError && err.errorClass === llm.ErrorClass.UNAVAILABLE,
    );
  });

  it("refuses a frame that is not JSON", () => {
    assert.throws(
      () => chunkOfFrame("{oops", dep),
      (err: unknown) => err instanceof GatewayError,
    );
  });
});
