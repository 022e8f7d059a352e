// Audio files built in code for tests: a PCM WAV and a constant-bitrate MP3 of a known length, so no binary fixtures
// need committing and every length is exact.

/** A 16-bit mono PCM WAV of `seconds` of silence at `rate` samples per second. */
export function wavFile(seconds: number, rate = 8000): Buffer {
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

/** Seconds of one MPEG-1 Layer III frame at 44.1 kHz: 1152 samples. */
export const MP3_FRAME_SECONDS = 1152 / 44_100;

/**
 * An MP3 of `frames` silent frames (MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono, no length header), so its
 * duration is `frames * MP3_FRAME_SECONDS` and can only be found by counting frames.
 */
export function mp3File(frames: number): Buffer {
  // 144 * 128000 / 44100 bytes per frame, without padding.
  const size = 417;
  const buf = Buffer.alloc(frames * size);
  for (let i = 0; i < frames; i++) buf.set([0xff, 0xfb, 0x90, 0xc0], i * size);
  return buf;
}
