import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { characters, imagesBilled, speechBilled, transcriptionBilled, wavSeconds } from "./media.js";

function wav(seconds: number, rate = 8000): Buffer {
  const data = Math.round(seconds * rate) * 2;
  const buf = Buffer.alloc(44 + data);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + data, 4);
  buf.write("WAVEfmt ", 8, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(data, 40);
  return buf;
}

describe("media billing units", () => {
  it("reads a WAV's duration from its header, and nothing from other bytes", () => {
    assert.equal(wavSeconds(wav(1.5)), 1.5);
    assert.equal(wavSeconds(Buffer.from("ID3 not a wav at all, but long enough to have a header......")), undefined);
  });

  it("bills transcriptions by the reported duration, else the WAV's (estimated), in milliseconds", () => {
    const request = create(llm.TranscriptionRequestSchema, { file: wav(2) });
    const reported = transcriptionBilled(request, create(llm.TranscriptionResponseSchema, { durationSeconds: 3.2345 }));
    assert.equal(reported.audioMillis, 3235);
    assert.equal(reported.estimated, false);
    const read = transcriptionBilled(request, create(llm.TranscriptionResponseSchema, {}));
    assert.equal(read.audioMillis, 2000);
    assert.equal(read.estimated, true);
  });

  it("bills speech by characters (code points) and images by count", () => {
    assert.equal(characters("héllo 👋"), 7);
    assert.equal(speechBilled(create(llm.SpeechRequestSchema, { input: "héllo 👋" })).prompt, 7);
    const images = create(llm.ImagesResponseSchema, { data: [create(llm.ImageSchema), create(llm.ImageSchema)] });
    assert.equal(imagesBilled(images).images, 2);
  });
});
