import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { isErrorClass, testDeployment } from "../testkit.js";
import { generateStreamError } from "./errors.js";
import { renderPrompt, type TextMessage, textMessagesOf } from "./prompt.js";

const CHAT: TextMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Hi" },
  { role: "assistant", content: "Hello." },
  { role: "user", content: "Bye" },
];

describe("text-generation prompts, as LiteLLM's prompt_factory renders them", () => {
  it("joins the contents with one space by default (default_pt)", () => {
    assert.equal(renderPrompt(CHAT, { model: "llama-3-8b-instruct", params: {} }), "Be brief. Hi Hello. Bye");
  });

  it("uses Llama-2's chat template for the model names LiteLLM gives it", () => {
    const llama2 =
      "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n [/INST]\n[INST] Hi [/INST]\nHello.\n</s>[INST] Bye [/INST]\n";
    assert.equal(renderPrompt(CHAT, { model: "meta-llama/Llama-2-7b-chat-hf", params: {} }), llama2);
    assert.equal(renderPrompt(CHAT, { model: "codellama/CodeLlama-34b-Instruct-hf", params: {} }), llama2);
    assert.equal(renderPrompt(CHAT, { model: "meta-llama/Llama-2-7b-hf", params: {} }), "Be brief. Hi Hello. Bye");
  });

  it("applies a deployment's roles, initial and final values, BOS and EOS (custom_prompt)", () => {
    const params = {
      initial_prompt_value: "<start>",
      roles: {
        system: { pre_message: "<sys>", post_message: "</sys>" },
        user: { pre_message: "<u>", post_message: "</u>" },
        assistant: { pre_message: "<a>", post_message: "</a>" },
      },
      final_prompt_value: "<a>",
      bos_token: "<s>",
      eos_token: "</s>",
    };
    assert.equal(
      renderPrompt([...CHAT, { role: "system", content: "Again." }], {
        model: "meta-llama/Llama-2-7b-chat-hf",
        params,
      }),
      "<s><start><sys>Be brief.</sys><u>Hi</u><a>Hello.</a></s><u>Bye</u><s><sys>Again.</sys><a>",
    );
  });

  it("reads text parts, maps developer to system, and refuses images and tool calls naming the message", () => {
    const dep = testDeployment("triton");
    const body = {
      messages: [
        { role: "developer", content: "Rules." },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
        { role: "tool", content: "42", tool_call_id: "c1" },
      ],
    };
    assert.deepEqual(textMessagesOf(body, dep), [
      { role: "system", content: "Rules." },
      { role: "user", content: "ab" },
      { role: "tool", content: "42" },
    ]);
    const image = {
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }],
    };
    assert.throws(() => textMessagesOf(image, dep), /triton does not support parameter "messages\[0\]\.content"/);
    const calls = { messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c1" }] }] };
    assert.throws(() => textMessagesOf(calls, dep), isErrorClass(llm.ErrorClass.INVALID_REQUEST));
  });

  it("classifies LoRAX stream error events by error_type", () => {
    const dep = { provider: "predibase" as const, id: "pb/0" };
    assert.throws(() => {
      throw generateStreamError('{"error":"Model is overloaded","error_type":"overloaded"}', dep);
    }, isErrorClass(llm.ErrorClass.RATE_LIMITED));
    assert.throws(() => {
      throw generateStreamError(
        '{"error":"Input validation error: `top_k` must be > 0","error_type":"validation"}',
        dep,
      );
    }, isErrorClass(llm.ErrorClass.INVALID_REQUEST));
  });
});
