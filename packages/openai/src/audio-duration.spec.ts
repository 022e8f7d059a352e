import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { audioSeconds } from "./audio-duration.js";
import { MP3_FRAME_SECONDS, mp3File, wavFile } from "./audio-testkit.js";

describe("audioSeconds", () => {
  it("reads a WAV's length from its header", async () => {
    assert.equal(await audioSeconds(wavFile(1.5), { filename: "a.wav", contentType: "audio/wav" }), 1.5);
  });

  it("counts the frames of an MP3 that has no length header, with or without hints", async () => {
    const seconds = await audioSeconds(mp3File(200), { filename: "speech.mp3", contentType: "audio/mpeg" });
    assert.ok(seconds !== undefined && Math.abs(seconds - 200 * MP3_FRAME_SECONDS) < 0.05, `read ${seconds}`);
    const bare = await audioSeconds(mp3File(200));
    assert.ok(bare !== undefined && Math.abs(bare - 200 * MP3_FRAME_SECONDS) < 0.05, `read ${bare}`);
  });

  it("finds no length in bytes that are not audio, or that lie about being audio, and never throws", async () => {
    assert.equal(await audioSeconds(new Uint8Array()), undefined);
    assert.equal(
      await audioSeconds(Buffer.from("just some text, not audio at all"), { contentType: "audio/mpeg" }),
      undefined,
    );
    const truncated = wavFile(2).subarray(0, 30);
    assert.equal(await audioSeconds(truncated, { filename: "cut.wav" }), undefined);
    // A header that declares a huge data chunk: the length is bounded by the bytes actually sent or refused.
    const lying = wavFile(0.1);
    lying.writeUInt32LE(0xffffffff, 40);
    const read = await audioSeconds(lying, { filename: "lying.wav" });
    assert.ok(read === undefined || read < 300_000, `read ${read}`);
    for (let seed = 0; seed < 50; seed++) {
      const junk = Buffer.alloc(2048, seed);
      junk.write(seed % 2 ? "RIFF" : "ID3", 0, "ascii");
      await audioSeconds(junk, { contentType: seed % 3 ? "audio/ogg" : "audio/flac" });
    }
  });
});
