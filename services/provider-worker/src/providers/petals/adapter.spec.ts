import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { REPLAY_PIECE_CHARS } from "../text-answer.js";
import { generateUrl } from "./api.js";
import { summaryOf } from "./errors.js";
import { petalsAdapter } from "./index.js";

const { ErrorClass, Role } = llm;
const data = (name: string) => fixture(import.meta.url, name);
type Extra = Omit<MessageInitShape<typeof llm.ChatCompletionRequestSchema>, "$typeName">;

/** The request whose translation is request.form. */
function story(stream = false): llm.ChatCompletionRequest {
  return create(llm.ChatCompletionRequestSchema, {
    model: "beluga",
    messages: [
      { role: Role.SYSTEM, content: { case: "text", value: "You are terse." } },
      { role: Role.USER, content: { case: "text", value: "Tell me a story about a cat ☀️" } },
    ],
    temperature: 0.6,
    topP: 0.9,
    maxTokens: 64,
    extraJson: '{"top_k":40}',
    stream,
  });
}

const hello = (stream = false, extra: Extra = {}) =>
  create(llm.ChatCompletionRequestSchema, {
    model: "beluga",
    messages: [{ role: Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
    ...extra,
  });

describe("petals adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = () =>
    testContext(
      testDeployment("petals", { model: "petals-team/StableBeluga2", apiBase: `${upstream.url}/api/v1/generate` }),
      dispatcher,
    );
  const send = (status: number, body: string) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs a form to api_base (the public swarm's endpoint by default) and estimates usage", async () => {
    assert.equal(generateUrl(testDeployment("petals")), "https://chat.petals.dev/api/v1/generate");
    send(200, data("response.json"));
    const out = await petalsAdapter.chat(story(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/api/v1/generate");
    assert.equal(seen.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(seen.headers.authorization, undefined);
    assert.deepEqual(
      Object.fromEntries(new URLSearchParams(seen.body)),
      Object.fromEntries(new URLSearchParams(data("request.form"))),
    );
    const text = JSON.parse(data("response.json")).outputs as string;
    assert.equal(out.choices[0]?.message?.content, text);
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.equal(out.model, "petals-team/StableBeluga2");
    assert.equal(out.usage?.estimated, true);
    assert.ok((out.usage?.promptTokens ?? 0) > 0 && (out.usage?.completionTokens ?? 0) > 0);
  });

  it("sends max_new_tokens 256 by default and stays greedy at temperature 0", async () => {
    send(200, data("response.json"));
    await petalsAdapter.chat(hello(false, { temperature: 0 }), ctx());
    assert.deepEqual(Object.fromEntries(new URLSearchParams(upstream.seen.at(-1)!.body)), {
      model: "petals-team/StableBeluga2",
      inputs: "Hello",
      max_new_tokens: "256",
    });
  });

  it("answers a stream by replaying the whole answer in 30-character chunks, finish_reason and usage last", async () => {
    send(200, data("response.json"));
    const chunks = await collect(petalsAdapter.streamChat(story(true), ctx()));
    const text = JSON.parse(data("response.json")).outputs as string;
    const pieces = chunks.slice(1, -2).map((c) => c.choices[0]?.delta?.content ?? "");
    assert.equal(chunks[0]?.choices[0]?.delta?.role, "assistant");
    assert.equal(pieces.join(""), text);
    assert.equal(pieces.length, Math.ceil([...text].length / REPLAY_PIECE_CHARS));
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.estimated, true);
    assert.equal(upstream.seen.at(-1)?.headers["content-type"], "application/x-www-form-urlencoded");
  });

  it("classifies ok:false tracebacks by their exception, showing only its last line", async () => {
    const cases: [string, llm.ErrorClass][] = [
      ["error-model.json", ErrorClass.NOT_FOUND],
      ["error-sessions.json", ErrorClass.RATE_LIMITED],
      ["error-length.json", ErrorClass.CONTEXT_WINDOW_EXCEEDED],
      ["error-value.json", ErrorClass.INVALID_REQUEST],
      ["error-swarm.json", ErrorClass.UNAVAILABLE],
    ];
    for (const [name, cls] of cases) {
      send(200, data(name));
      await assert.rejects(petalsAdapter.chat(hello(), ctx()), isErrorClass(cls));
      await assert.rejects(collect(petalsAdapter.streamChat(hello(true), ctx())), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.errorClass, cls);
        assert.ok(!err.message.includes("Traceback") && !err.message.includes("/home/petals"), err.message);
        return true;
      });
    }
    send(200, data("error-model.json"));
    await assert.rejects(petalsAdapter.chat(hello(), ctx()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.httpStatus, 404);
      assert.match(err.message, /KeyError: 'nosuch\/model'/);
      return true;
    });
    assert.equal(summaryOf(`x\n${"y".repeat(500)}\n`).length, 203);
  });

  it("classifies a proxy's non-2xx answers by status, and a 200 without outputs as UNAVAILABLE", async () => {
    send(502, "<html>Bad Gateway</html>");
    await assert.rejects(petalsAdapter.chat(hello(), ctx()), isErrorClass(ErrorClass.UNAVAILABLE));
    send(429, "Too Many Requests");
    await assert.rejects(petalsAdapter.chat(hello(), ctx()), isErrorClass(ErrorClass.RATE_LIMITED));
    send(500, data("error-swarm.json"));
    await assert.rejects(petalsAdapter.chat(hello(), ctx()), isErrorClass(ErrorClass.UNAVAILABLE));
    send(200, '{"ok":true}');
    await assert.rejects(petalsAdapter.chat(hello(), ctx()), isErrorClass(ErrorClass.UNAVAILABLE));
  });

  it("refuses what Petals cannot take with a 400 naming the parameter, unless drop_params", async () => {
    const seen = upstream.seen.length;
    await assert.rejects(petalsAdapter.chat(hello(false, { stop: ["x"] }), ctx()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.param, "stop");
      assert.match(err.message, /petals does not support/);
      return true;
    });
    assert.equal(upstream.seen.length, seen);
    send(200, data("response.json"));
    const dep = testDeployment("petals", {
      model: "petals-team/StableBeluga2",
      apiBase: `${upstream.url}/api/v1/generate`,
      params: { drop_params: true },
    });
    await petalsAdapter.chat(hello(false, { stop: ["x"] }), testContext(dep, dispatcher));
    assert.equal(new URLSearchParams(upstream.seen.at(-1)!.body).get("stop"), null);
  });
});
