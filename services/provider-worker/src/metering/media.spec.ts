import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { characters } from "@switchyard/openai";
import { MP3_FRAME_SECONDS, mp3File, wavFile } from "@switchyard/openai/audio-testkit";
import { llm } from "@switchyard/proto";
import { imagesBilled, speechBilled, transcriptionBilled } from "./media.js";

describe("media billing units", () => {
  it("bills transcriptions by the reported duration, else the file's own length (estimated), in milliseconds", async () => {
    const request = create(llm.TranscriptionRequestSchema, { file: wavFile(2), filename: "a.wav" });
    const reported = await transcriptionBilled(
      request,
      create(llm.TranscriptionResponseSchema, { durationSeconds: 3.2345 }),
    );
    assert.equal(reported.audioMillis, 3235);
    assert.equal(reported.estimated, false);
    const read = await transcriptionBilled(request, create(llm.TranscriptionResponseSchema, {}));
    assert.equal(read.audioMillis, 2000);
    assert.equal(read.estimated, true);
    // An MP3 without a length header, which ElevenLabs answers about without a duration: its frames are counted.
    const mp3 = create(llm.TranscriptionRequestSchema, { file: mp3File(100), contentType: "audio/mpeg" });
    const counted = await transcriptionBilled(mp3, create(llm.TranscriptionResponseSchema, {}));
    assert.ok(Math.abs(counted.audioMillis - 100 * MP3_FRAME_SECONDS * 1000) < 50, `${counted.audioMillis} ms`);
    const unknown = create(llm.TranscriptionRequestSchema, { file: Buffer.from("not audio") });
    assert.equal((await transcriptionBilled(unknown, create(llm.TranscriptionResponseSchema, {}))).audioMillis, 0);
  });

  it("bills speech by characters (code points) and images by count", () => {
    assert.equal(characters("héllo 👋"), 7);
    assert.equal(speechBilled(create(llm.SpeechRequestSchema, { input: "héllo 👋" })).prompt, 7);
    const images = create(llm.ImagesResponseSchema, { data: [create(llm.ImageSchema), create(llm.ImageSchema)] });
    assert.equal(imagesBilled(images).images, 2);
  });
});
