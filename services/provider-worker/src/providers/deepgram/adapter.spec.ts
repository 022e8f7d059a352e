import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { deepgramAdapter } from "./index.js";

const KEY = "dg-secret-key-0123456789";
const AUDIO = Buffer.from("RIFF-not-really-a-wav");

type Init = MessageInitShape<typeof llm.TranscriptionRequestSchema>;

function transcription(init: Init = {}): llm.TranscriptionRequest {
  return create(llm.TranscriptionRequestSchema, {
    model: "nova",
    file: AUDIO,
    filename: "a.wav",
    contentType: "audio/wav",
    responseFormat: "json",
    ...init,
  });
}

describe("deepgram adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (params: Record<string, unknown> = {}) =>
    testContext(testDeployment("deepgram", { model: "nova-3", apiBase: `${upstream.url}/v1`, params }), dispatcher, {
      apiKey: KEY,
    });
  const reply = (status: number, name: string, headers: Record<string, string> = {}) =>
    upstream.handle((_req, res) =>
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(fixture(import.meta.url, name)),
    );
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("posts the raw audio to /v1/listen with its content type, a Token key and the options in the query", async () => {
    reply(200, "listen-response.json");
    const out = await deepgramAdapter.transcribe!(transcription({ language: "en" }), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1/listen?model=nova-3&smart_format=true&language=en");
    assert.equal(seen.headers.authorization, `Token ${KEY}`);
    assert.equal(seen.headers["content-type"], "audio/wav");
    assert.equal(seen.body, AUDIO.toString("utf8"));
    assert.equal(out.text, "Yep, I said it before.");
    assert.equal(out.durationSeconds, 2.5);
    assert.equal(out.language, "en");
    assert.deepEqual(out.words, [], "words only when asked for");
  });

  it("detects the language when none is given, and returns punctuated words when asked", async () => {
    reply(200, "listen-response.json");
    const out = await deepgramAdapter.transcribe!(
      transcription({ responseFormat: "verbose_json", timestampGranularities: ["word"] }),
      ctx(),
    );
    assert.equal(upstream.seen.at(-1)!.url, "/v1/listen?model=nova-3&smart_format=true&detect_language=true");
    assert.deepEqual(
      out.words.map((w) => [w.word, w.start, w.end]),
      [
        ["Yep,", 0.08, 0.32],
        ["I", 0.4, 0.48],
      ],
    );
  });

  it("refuses what Deepgram cannot do by name, or drops it under drop_params", async () => {
    for (const [init, param] of [
      [{ responseFormat: "srt" }, "response_format"],
      [{ prompt: "names: Ada" }, "prompt"],
      [{ temperature: 0.3 }, "temperature"],
      [{ timestampGranularities: ["segment"] }, "timestamp_granularities"],
    ] as const) {
      await assert.rejects(deepgramAdapter.transcribe!(transcription(init as Init), ctx()), (err) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
        assert.equal(err.detail.param, param);
        assert.match(err.message, /^deepgram does not support parameter/);
        return true;
      });
    }
    reply(200, "listen-response.json");
    const out = await deepgramAdapter.transcribe!(transcription({ prompt: "x" }), ctx({ drop_params: true }));
    assert.equal(out.text, "Yep, I said it before.");
  });

  it("classifies errors without leaking the key", async () => {
    reply(401, "error-auth.json");
    await assert.rejects(deepgramAdapter.transcribe!(transcription(), ctx()), isErrorClass(llm.ErrorClass.AUTH, KEY));
    reply(400, "error-bad-request.json");
    await assert.rejects(deepgramAdapter.transcribe!(transcription(), ctx()), (err) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
      assert.equal(err.message, "Unknown model: nova-9");
      return true;
    });
    reply(429, "error-rate-limit.json", { "retry-after": "3" });
    await assert.rejects(deepgramAdapter.transcribe!(transcription(), ctx()), (err) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, llm.ErrorClass.RATE_LIMITED);
      assert.equal(err.detail.retryAfterSeconds, 3);
      return true;
    });
    upstream.handle((_req, res) => res.writeHead(503).end("upstream connect error"));
    await assert.rejects(deepgramAdapter.transcribe!(transcription(), ctx()), isErrorClass(llm.ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"results":{}}'));
    await assert.rejects(deepgramAdapter.transcribe!(transcription(), ctx()), isErrorClass(llm.ErrorClass.UNAVAILABLE));
  });

  it("refuses chat, naming the provider", async () => {
    const request = create(llm.ChatCompletionRequestSchema, { model: "nova" });
    await assert.rejects(deepgramAdapter.chat(request, ctx()), (err) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
      assert.match(err.message, /deepgram does not support chat completions/);
      return true;
    });
    assert.deepEqual(deepgramAdapter.info.capabilities, ["transcription"]);
  });
});
