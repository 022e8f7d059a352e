import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
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
import { elevenlabsAdapter } from "./index.js";

const KEY = "xi-secret-0123456789";

/** The fields of a multipart body, read with the platform's FormData. */
async function formOf(body: string, type: string | undefined): Promise<Record<string, string>> {
  const form = await new Response(body, { headers: { "content-type": type ?? "" } }).formData();
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) out[k] = typeof v === "string" ? v : `file:${(v as File).name}:${v.type}`;
  return out;
}

describe("elevenlabs adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (model: string) =>
    testContext(testDeployment("elevenlabs", { model, apiBase: upstream.url }), dispatcher, { apiKey: KEY });
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("speaks: voice in the path, output_format in the query, text and model_id in the body", async () => {
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "audio/mpeg" }).end("ID3-audio"));
    const request = create(llm.SpeechRequestSchema, {
      model: "tts",
      input: "Héllo",
      voice: "21m00Tcm4TlvDq8ikWAM",
      responseFormat: "pcm",
      speed: 1.5,
    });
    const out = await elevenlabsAdapter.speak!(request, ctx("eleven_multilingual_v2"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM?output_format=pcm_24000");
    assert.equal(seen.headers["xi-api-key"], KEY);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen.body), {
      text: "Héllo",
      model_id: "eleven_multilingual_v2",
      voice_settings: { speed: 1.2 },
    });
    assert.equal(Buffer.from(out.audio).toString(), "ID3-audio");
    assert.equal(out.contentType, "audio/pcm");
    assert.equal(out.characters, 5);
  });

  it("transcribes: multipart with model_id, file and language_code; words without spacing", async () => {
    upstream.handle((_req, res) =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(fixture(import.meta.url, "speech-to-text-response.json")),
    );
    const request = create(llm.TranscriptionRequestSchema, {
      model: "scribe",
      file: Buffer.from("fake-audio"),
      filename: "a.mp3",
      contentType: "audio/mpeg",
      language: "en",
      timestampGranularities: ["word"],
    });
    const out = await elevenlabsAdapter.transcribe!(request, ctx("scribe_v1"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/speech-to-text");
    assert.equal(seen.headers["xi-api-key"], KEY);
    assert.deepEqual(await formOf(seen.body, seen.headers["content-type"]), {
      model_id: "scribe_v1",
      file: "file:a.mp3:audio/mpeg",
      language_code: "en",
    });
    assert.equal(out.text, "Hello world!");
    assert.equal(out.language, "eng");
    assert.deepEqual(
      out.words.map((w) => w.word),
      ["Hello", "world!"],
    );
  });

  it("refuses formats ElevenLabs lacks by name, and classifies errors without leaking the key", async () => {
    const flac = create(llm.SpeechRequestSchema, { model: "t", input: "x", voice: "v", responseFormat: "flac" });
    await assert.rejects(elevenlabsAdapter.speak!(flac, ctx("m")), (err) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.detail.param, "response_format");
      return true;
    });
    const speech = create(llm.SpeechRequestSchema, { model: "t", input: "x", voice: "v", responseFormat: "mp3" });
    const reply = (status: number, name: string) =>
      upstream.handle((_req, res) =>
        res.writeHead(status, { "content-type": "application/json" }).end(fixture(import.meta.url, name)),
      );
    reply(401, "error-auth.json");
    await assert.rejects(elevenlabsAdapter.speak!(speech, ctx("m")), isErrorClass(llm.ErrorClass.AUTH, KEY));
    reply(401, "error-quota.json");
    await assert.rejects(elevenlabsAdapter.speak!(speech, ctx("m")), isErrorClass(llm.ErrorClass.PERMISSION_DENIED));
    reply(422, "error-validation.json");
    await assert.rejects(elevenlabsAdapter.speak!(speech, ctx("m")), (err) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
      assert.equal(err.message, "field required");
      return true;
    });
    assert.deepEqual(elevenlabsAdapter.info.capabilities, ["transcription", "speech"]);
  });
});
