import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  parseSpeechRequest,
  parseTranscriptionForm,
  parseTranscriptionResponse,
  renderTranscription,
} from "./audio.js";
import type { Form } from "./form.js";
import {
  parseImageGenerationRequest,
  parseImagesResponse,
  parseImageVariationForm,
  renderImagesResponse,
} from "./images.js";

const WAV = { data: Buffer.from("RIFF"), filename: "a.wav", contentType: "audio/wav" };

function form(fields: Record<string, string | string[]>, files: Form["files"] = new Map([["file", WAV]])): Form {
  return {
    fields: new Map(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    files,
  };
}

function fails(run: () => unknown, param: string): void {
  assert.throws(run, (err) => {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.errorClass, llm.ErrorClass.INVALID_REQUEST);
    assert.equal(err.detail.param, param);
    return true;
  });
}

describe("transcription forms", () => {
  it("reads every OpenAI field, numbers from their text", () => {
    const req = parseTranscriptionForm(
      form({
        model: "whisper-1",
        language: "fr",
        prompt: "p",
        response_format: "verbose_json",
        temperature: "0.5",
        "timestamp_granularities[]": ["word", "segment"],
        user: "u",
      }),
    );
    assert.equal(req.model, "whisper-1");
    assert.equal(req.filename, "a.wav");
    assert.equal(req.contentType, "audio/wav");
    assert.equal(req.temperature, 0.5);
    assert.deepEqual(req.timestampGranularities, ["word", "segment"]);
    assert.equal(parseTranscriptionForm(form({ model: "m" })).responseFormat, "json");
  });

  it("names the bad field", () => {
    fails(() => parseTranscriptionForm(form({ model: "m" }, new Map())), "file");
    fails(
      () => parseTranscriptionForm(form({ model: "m" }, new Map([["file", { ...WAV, data: Buffer.alloc(0) }]]))),
      "file",
    );
    fails(() => parseTranscriptionForm(form({})), "model");
    fails(() => parseTranscriptionForm(form({ model: "m", response_format: "xml" })), "response_format");
    fails(() => parseTranscriptionForm(form({ model: "m", temperature: "hot" })), "temperature");
    fails(
      () => parseTranscriptionForm(form({ model: "m", "timestamp_granularities[]": "char" })),
      "timestamp_granularities[0]",
    );
  });

  it("renders json with duration usage, verbose_json as OpenAI does, and text formats verbatim", () => {
    const res = create(llm.TranscriptionResponseSchema, { text: "hi", language: "en", durationSeconds: 2 });
    assert.deepEqual(JSON.parse(renderTranscription(res, "json").body), {
      text: "hi",
      usage: { type: "duration", seconds: 2 },
    });
    assert.deepEqual(JSON.parse(renderTranscription(res, "verbose_json").body), {
      task: "transcribe",
      language: "en",
      duration: 2,
      text: "hi",
      usage: { type: "duration", seconds: 2 },
    });
    assert.deepEqual(renderTranscription(res, "text"), { contentType: "text/plain; charset=utf-8", body: "hi\n" });
    const srt = parseTranscriptionResponse("1\n00:00:00,000 --> 00:00:01,000\nhi\n\n", "srt", "w");
    assert.equal(renderTranscription(srt, "srt").body, "1\n00:00:00,000 --> 00:00:01,000\nhi\n\n");
    const tokens = parseTranscriptionResponse(
      { text: "hi", usage: { type: "tokens", input_tokens: 14, output_tokens: 3, total_tokens: 17 } },
      "json",
      "gpt-4o-transcribe",
    );
    assert.equal(tokens.usage?.promptTokens, 14);
    assert.deepEqual(JSON.parse(renderTranscription(tokens, "json").body).usage, {
      type: "tokens",
      input_tokens: 14,
      output_tokens: 3,
      total_tokens: 17,
    });
  });
});

describe("speech requests", () => {
  it("reads the fields, with a voice object's id", () => {
    const req = parseSpeechRequest({ model: "tts-1", input: "hi", voice: { id: "voice_1" }, speed: 2 });
    assert.equal(req.voice, "voice_1");
    assert.equal(req.responseFormat, "mp3");
    assert.equal(req.speed, 2);
  });

  it("names the bad field", () => {
    fails(() => parseSpeechRequest({ input: "x", voice: "a" }), "model");
    fails(() => parseSpeechRequest({ model: "m", voice: "a" }), "input");
    fails(() => parseSpeechRequest({ model: "m", input: "", voice: "a" }), "input");
    fails(() => parseSpeechRequest({ model: "m", input: "x" }), "voice");
    fails(() => parseSpeechRequest({ model: "m", input: "x", voice: "a", response_format: "ogg" }), "response_format");
    fails(() => parseSpeechRequest({ model: "m", input: "x", voice: "a", speed: 0.1 }), "speed");
  });
});

describe("image requests", () => {
  it("reads generations and names bad fields", () => {
    const req = parseImageGenerationRequest({ model: "dall-e-3", prompt: "p", n: 1, size: "1792x1024", quality: "hd" });
    assert.equal(req.size, "1792x1024");
    fails(() => parseImageGenerationRequest({ model: "m" }), "prompt");
    fails(() => parseImageGenerationRequest({ model: "m", prompt: "p", n: 0 }), "n");
    fails(() => parseImageGenerationRequest({ model: "m", prompt: "p", size: "big" }), "size");
    fails(() => parseImageGenerationRequest({ model: "m", prompt: "p", response_format: "png" }), "response_format");
    fails(() => parseImageGenerationRequest({ model: "m", prompt: "p", style: "cubist" }), "style");
  });

  it("reads variation forms and names bad fields", () => {
    const png = { data: Buffer.from("png"), filename: "", contentType: "" };
    const req = parseImageVariationForm(form({ model: "dall-e-2", n: "3" }, new Map([["image", png]])));
    assert.equal(req.n, 3);
    assert.equal(req.filename, "image.png");
    fails(() => parseImageVariationForm(form({ model: "m" }, new Map())), "image");
    fails(() => parseImageVariationForm(form({ model: "m", n: "1.5" }, new Map([["image", png]]))), "n");
    fails(() => parseImageVariationForm(form({ model: "m", size: "2x2" }, new Map([["image", png]]))), "size");
  });

  it("reads and renders ImagesResponse", () => {
    const res = parseImagesResponse(
      { created: 5, data: [{ b64_json: "AA==", revised_prompt: "r" }, { url: "https://x" }] },
      "m",
    );
    assert.deepEqual(JSON.parse(renderImagesResponse(res)), {
      created: 5,
      data: [{ b64_json: "AA==", revised_prompt: "r" }, { url: "https://x" }],
    });
    assert.throws(
      () => parseImagesResponse({ data: "no" }, "m"),
      (err) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.errorClass, llm.ErrorClass.UNAVAILABLE);
        return true;
      },
    );
  });
});
