import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { compatibleAdapters } from "../openai-compatible/index.js";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { openaiAdapter } from "./index.js";

const KEY = "sk-test-openai-media-0123456789";

async function formOf(body: string, type: string | undefined): Promise<Record<string, string[]>> {
  const form = await new Response(body, { headers: { "content-type": type ?? "" } }).formData();
  const out: Record<string, string[]> = {};
  for (const [k, v] of form.entries()) {
    const list = out[k] ?? [];
    list.push(typeof v === "string" ? v : `file:${(v as File).name}:${v.type}:${await v.text()}`);
    out[k] = list;
  }
  return out;
}

describe("openai media endpoints over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (model: string) =>
    testContext(testDeployment("openai", { model, apiBase: `${upstream.url}/v1` }), dispatcher, { apiKey: KEY });
  const json = (status: number, body: string) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("sends transcriptions as multipart with every OpenAI field and reads verbose_json", async () => {
    json(200, fixture(import.meta.url, "transcription-verbose.json"));
    const request = create(llm.TranscriptionRequestSchema, {
      model: "whisper",
      file: Buffer.from("audio"),
      filename: "a.m4a",
      contentType: "audio/mp4",
      language: "en",
      prompt: "beach",
      responseFormat: "verbose_json",
      temperature: 0,
      timestampGranularities: ["word", "segment"],
    });
    const out = await openaiAdapter.transcribe!(request, ctx("whisper-1"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/audio/transcriptions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(await formOf(seen.body, seen.headers["content-type"]), {
      file: ["file:a.m4a:audio/mp4:audio"],
      model: ["whisper-1"],
      language: ["en"],
      prompt: ["beach"],
      response_format: ["verbose_json"],
      temperature: ["0"],
      "timestamp_granularities[]": ["word", "segment"],
    });
    assert.equal(out.durationSeconds, 8.47);
    assert.equal(out.segments[0]?.tokens.length, 3);
    assert.equal(out.words[0]?.word, "The");
  });

  it("keeps text, srt and vtt answers as the upstream wrote them", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "text/plain" }).end("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n"),
    );
    const request = create(llm.TranscriptionRequestSchema, {
      model: "w",
      file: Buffer.from("a"),
      responseFormat: "vtt",
    });
    const out = await openaiAdapter.transcribe!(request, ctx("whisper-1"));
    assert.equal(out.formatted, "WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n");
  });

  it("posts speech as JSON and returns the audio bytes with the format's content type", async () => {
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "audio/flac" }).end("fLaC-bytes"));
    const request = create(llm.SpeechRequestSchema, {
      model: "tts",
      input: "Hi!",
      voice: "coral",
      responseFormat: "flac",
      instructions: "cheerful",
    });
    const out = await openaiAdapter.speak!(request, ctx("gpt-4o-mini-tts"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/audio/speech");
    assert.deepEqual(JSON.parse(seen.body), {
      model: "gpt-4o-mini-tts",
      input: "Hi!",
      voice: "coral",
      response_format: "flac",
      instructions: "cheerful",
    });
    assert.equal(Buffer.from(out.audio).toString(), "fLaC-bytes");
    assert.equal(out.contentType, "audio/flac");
  });

  it("generates images and makes variations, reading ImagesResponse", async () => {
    json(200, fixture(import.meta.url, "images-response.json"));
    const generation = create(llm.ImageGenerationRequestSchema, {
      model: "d3",
      prompt: "a lighthouse",
      n: 1,
      quality: "hd",
      style: "natural",
      user: "u-1",
    });
    const out = await openaiAdapter.generateImages!(generation, ctx("dall-e-3"));
    let seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/images/generations");
    assert.deepEqual(JSON.parse(seen.body), {
      model: "dall-e-3",
      prompt: "a lighthouse",
      n: 1,
      quality: "hd",
      style: "natural",
      user: "u-1",
    });
    assert.equal(out.created, 1713833628n);
    assert.equal(out.data[0]?.revisedPrompt, "A lighthouse at dusk.");
    json(200, fixture(import.meta.url, "images-response.json"));
    const variation = create(llm.ImageVariationRequestSchema, {
      model: "d2",
      image: Buffer.from("png"),
      filename: "x.png",
      contentType: "image/png",
      n: 2,
      size: "256x256",
    });
    await openaiAdapter.varyImage!(variation, ctx("dall-e-2"));
    seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/images/variations");
    assert.deepEqual(await formOf(seen.body, seen.headers["content-type"]), {
      image: ["file:x.png:image/png:png"],
      model: ["dall-e-2"],
      n: ["2"],
      size: ["256x256"],
    });
  });

  it("classifies errors (content policy, auth) without leaking the key", async () => {
    json(
      400,
      JSON.stringify({
        error: { message: "blocked", type: "invalid_request_error", code: "content_policy_violation" },
      }),
    );
    const generation = create(llm.ImageGenerationRequestSchema, { model: "d3", prompt: "x" });
    await assert.rejects(
      openaiAdapter.generateImages!(generation, ctx("dall-e-3")),
      isErrorClass(llm.ErrorClass.CONTENT_POLICY),
    );
    json(
      401,
      JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}`, type: "invalid_request_error" } }),
    );
    await assert.rejects(
      openaiAdapter.generateImages!(generation, ctx("dall-e-3")),
      isErrorClass(llm.ErrorClass.AUTH, KEY),
    );
  });

  it("declares exactly the media endpoints each provider serves", () => {
    for (const cap of ["transcription", "speech", "images"] as const)
      assert.ok(openaiAdapter.info.capabilities.includes(cap));
    assert.ok(compatibleAdapters.groq.transcribe);
    assert.ok(compatibleAdapters.groq.info.capabilities.includes("transcription"));
    assert.equal(compatibleAdapters.groq.speak, undefined);
    assert.equal(compatibleAdapters.mistral.transcribe, undefined);
  });
});
