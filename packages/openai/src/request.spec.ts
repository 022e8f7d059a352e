import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { chatRequestToJson, parseChatRequest } from "./index.js";
import type { JsonObject } from "./json.js";
import { fixture, fixtures } from "./testdata.js";

type Body = JsonObject & { model: string };

const roundTrip = (body: Body, model = body.model) => chatRequestToJson(parseChatRequest(body), model);

describe("parseChatRequest + chatRequestToJson", () => {
  for (const { name, json } of fixtures<Body>("requests")) {
    it(`round-trips ${name} exactly`, () => {
      assert.deepEqual(roundTrip(json), json);
    });
  }

  it("replaces the model with the upstream name and leaves the rest alone", () => {
    const body = fixture<Body>("requests", "basic.json");
    assert.deepEqual(roundTrip(body, "gpt-4o-mini-2024-07-18"), { ...body, model: "gpt-4o-mini-2024-07-18" });
  });

  it("models text, parts and null content distinctly", () => {
    const req = parseChatRequest(fixture("requests", "tools.json"));
    assert.equal(req.messages[1]?.content.case, "text");
    assert.equal(req.messages[2]?.content.case, undefined);
    assert.equal(req.messages[4]?.content.case, "parts");
    assert.equal(req.messages[2]?.toolCalls[0]?.function?.name, "get_weather");
    assert.equal(req.messages[3]?.toolCallId, "call_12345xyz");
    assert.equal(req.messages[3]?.role, llm.Role.TOOL);
  });

  it("converts multimodal parts", () => {
    const req = parseChatRequest(fixture("requests", "multimodal.json"));
    const content = req.messages[1]?.content;
    assert.equal(content?.case, "parts");
    const parts = content.value.parts.map((p) => p.part);
    assert.deepEqual(
      parts.map((p) => p.case),
      ["text", "imageUrl", "imageUrl", "inputAudio", "file", "file"],
    );
    assert.equal(parts[1]?.case === "imageUrl" && parts[1].value.detail, "high");
    assert.equal(parts[2]?.case === "imageUrl" && parts[2].value.detail, undefined);
    assert.equal(parts[3]?.case === "inputAudio" && parts[3].value.format, "wav");
    assert.equal(parts[5]?.case === "file" && parts[5].value.filename, "draconomicon.pdf");
    assert.equal(req.messages[1]?.name, "alice");
    assert.equal(req.maxCompletionTokens, 1024);
  });

  it("reads sampling parameters, seed as bigint, stop, metadata and schemas as JSON text", () => {
    const body = fixture<Body & { response_format: { json_schema: { schema: unknown } } }>(
      "requests",
      "json-schema.json",
    );
    const req = parseChatRequest(body);
    assert.equal(req.seed, 424242n);
    assert.deepEqual(req.stop, ["\n\n", "END"]);
    assert.deepEqual(req.metadata, { team: "calendar", trace_id: "7f3a9c" });
    assert.equal(req.temperature, 0);
    assert.equal(req.frequencyPenalty, -0.25);
    assert.equal(req.reasoningEffort, "low");
    assert.equal(req.responseFormat?.type, "json_schema");
    assert.equal(req.responseFormat?.jsonSchema?.strict, true);
    assert.deepEqual(
      JSON.parse(req.responseFormat?.jsonSchema?.schemaJson ?? ""),
      body.response_format.json_schema.schema,
    );
    assert.equal(req.extraJson, "");
  });

  it("reads tools and tool_choice", () => {
    const tools = parseChatRequest(fixture("requests", "tools.json"));
    assert.equal(tools.tools[0]?.function?.strict, true);
    assert.equal(JSON.parse(tools.tools[0]?.function?.parametersJson ?? "").required.length, 2);
    assert.equal(tools.tools[1]?.function?.parametersJson, "");
    assert.deepEqual(tools.toolChoice?.choice, { case: "mode", value: "auto" });
    const named = parseChatRequest(fixture("requests", "tool-choice-named.json"));
    assert.deepEqual(named.toolChoice?.choice, { case: "functionName", value: "get_weather" });
    assert.equal(named.parallelToolCalls, false);
  });

  it("carries every unmodelled top-level field verbatim in extra_json", () => {
    const body = fixture<Body>("requests", "extras.json");
    const { model: _m, messages: _msgs, ...extras } = body;
    assert.deepEqual(JSON.parse(parseChatRequest(body).extraJson), extras);
  });

  it("carries unknown message, part and tool fields in their own extra_json", () => {
    const req = parseChatRequest(fixture("requests", "passthrough.json"));
    const system = req.messages[0]?.content;
    assert.equal(system?.case, "parts");
    assert.deepEqual(JSON.parse(system.value.parts[0]?.extraJson ?? ""), { cache_control: { type: "ephemeral" } });
    const user = req.messages[1]?.content;
    assert.equal(user?.case, "parts");
    assert.deepEqual(JSON.parse(user.value.parts[1]?.extraJson ?? ""), { image_url: { x_vendor_hint: "fast" } });
    assert.equal(user.value.parts[2]?.part.case, undefined, "unknown part types travel whole");
    assert.deepEqual(JSON.parse(req.messages[3]?.extraJson ?? ""), { audio: { id: "audio_abc123" } });
    assert.equal(req.tools[0]?.type, "custom");
    assert.equal(req.tools[0]?.function, undefined);
    assert.deepEqual(JSON.parse(req.tools[1]?.extraJson ?? ""), {
      function: { x_vendor: 1 },
      cache_control: { type: "ephemeral" },
    });
    assert.equal(req.toolChoice, undefined, "allowed_tools is not modelled");
    assert.deepEqual(Object.keys(JSON.parse(req.extraJson)).sort(), [
      "function_call",
      "functions",
      "response_format",
      "tool_choice",
    ]);
    assert.equal(req.messages[6]?.toolCalls[0]?.type, "custom");
    assert.equal(req.messages[6]?.toolCalls[0]?.function?.arguments, "SELECT 1");
  });

  it("streams with usage when asked, and keeps unknown stream options", () => {
    const req = parseChatRequest(fixture("requests", "stream.json"));
    assert.equal(req.stream, true);
    assert.equal(req.includeUsage, true);
    assert.deepEqual(JSON.parse(req.extraJson), { stream_options: { include_obfuscation: false } });
  });
});

describe("normalisation", () => {
  const base = { model: "m", messages: [{ role: "user", content: "hi" }] };

  it("sends a stop string as a one-element array", () => {
    assert.deepEqual(roundTrip({ ...base, stop: "END" }), { ...base, stop: ["END"] });
  });

  it("drops null parameters, as OpenAI treats them as unset", () => {
    const nulls = { temperature: null, stop: null, seed: null, tools: null, metadata: null, response_format: null };
    assert.deepEqual(roundTrip({ ...base, ...nulls }), base);
  });

  it("ignores stream_options without stream, and omits stream: false", () => {
    const req = parseChatRequest({ ...base, stream: false, stream_options: { include_usage: true, x: 1 } });
    assert.equal(req.includeUsage, false);
    assert.equal(req.extraJson, "");
    assert.deepEqual(chatRequestToJson(req, "m"), base);
  });

  it("sends null content for an assistant message that has none", () => {
    const body = { model: "m", messages: [{ role: "assistant", tool_calls: [] }] };
    assert.deepEqual(roundTrip(body), { model: "m", messages: [{ role: "assistant", content: null }] });
  });

  it("follows req.stream and includeUsage when the adapter changes them", () => {
    const req = parseChatRequest(fixture("requests", "stream.json"));
    req.stream = false;
    const off = chatRequestToJson(req, "m");
    assert.equal(off["stream"], undefined);
    assert.equal(off["stream_options"], undefined);
    req.stream = true;
    req.includeUsage = false;
    assert.deepEqual(chatRequestToJson(req, "m")["stream_options"], { include_obfuscation: false });
  });

  it("renders a canonical request built by another ingress", () => {
    const req = create(llm.ChatCompletionRequestSchema, {
      model: "claude-group",
      messages: [
        { role: llm.Role.SYSTEM, content: { case: "text", value: "Be brief." } },
        {
          role: llm.Role.ASSISTANT,
          toolCalls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
      ],
      toolChoice: { choice: { case: "mode", value: "required" } },
      seed: 9007199254740993n,
      stream: true,
      includeUsage: true,
    });
    assert.deepEqual(chatRequestToJson(req, "gpt-4o"), {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
      ],
      tool_choice: "required",
      seed: 9007199254740992,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("never takes a modelled field from extra_json", () => {
    const req = parseChatRequest(base);
    req.extraJson = JSON.stringify({ model: "evil", messages: [], stream: true, temperature: 2, logprobs: true });
    assert.deepEqual(chatRequestToJson(req, "m"), { ...base, logprobs: true });
  });
});

describe("LiteLLM client-side fallbacks", () => {
  const base = { model: "m", messages: [{ role: "user", content: "hi" }] };

  it("takes the fallbacks list out of the request and never sends it upstream", () => {
    const req = parseChatRequest({ ...base, fallbacks: ["b", "c"] });
    assert.deepEqual(req.fallbacks, ["b", "c"]);
    assert.equal(req.extraJson, "");
    assert.equal("fallbacks" in chatRequestToJson(req, "m"), false);
  });

  it("refuses anything but a short list of model names, naming the field", () => {
    const param = (body: object) => {
      try {
        parseChatRequest({ ...base, ...body });
      } catch (err) {
        return (err as { detail?: { param?: string } }).detail?.param;
      }
      return undefined;
    };
    assert.equal(param({ fallbacks: "b" }), "fallbacks");
    assert.equal(param({ fallbacks: ["a", "b", "c", "d", "e", "f"] }), "fallbacks");
    assert.equal(param({ fallbacks: ["a", { model: "b" }] }), "fallbacks[1]");
    assert.equal(param({ fallbacks: [""] }), "fallbacks[0]");
  });
});

describe("LiteLLM request tags", () => {
  const base = { model: "m", messages: [{ role: "user", content: "hi" }] };

  it("takes metadata.tags as a list out of the metadata and never sends it upstream", () => {
    const req = parseChatRequest({
      ...base,
      metadata: { tags: ["job:nightly", "team=search", "job:nightly"], run: "7" },
    });
    assert.deepEqual(req.tags, ["job:nightly", "team=search"]);
    assert.deepEqual(req.metadata, { run: "7" });
    const upstream = chatRequestToJson(req, "m");
    assert.deepEqual(upstream["metadata"], { run: "7" });
    assert.equal(JSON.stringify(upstream).includes("nightly"), false);
  });

  it("keeps a string-valued metadata.tags as ordinary metadata", () => {
    const req = parseChatRequest({ ...base, metadata: { tags: "a,b" } });
    assert.deepEqual(req.tags, []);
    assert.deepEqual(req.metadata, { tags: "a,b" });
  });

  it("names the offending tag", () => {
    assert.throws(
      () => parseChatRequest({ ...base, metadata: { tags: ["ok", "not ok"] } }),
      (err: Error & { detail?: { param?: string } }) => err.detail?.param === "metadata.tags[1]",
    );
    assert.throws(
      () => parseChatRequest({ ...base, metadata: { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) } }),
      /at most 32 tags/,
    );
    assert.throws(() => parseChatRequest({ ...base, metadata: { tags: [{ evil: true }] } }), /metadata\.tags\[0\]/);
  });
});
