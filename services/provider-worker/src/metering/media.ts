// What audio and image attempts are billed by: seconds of audio (transcriptions), characters (speech, counted as
// prompt tokens so a price per 1M characters is an `input` rate) and images. Attribution as for chat.
import { create } from "@bufbuild/protobuf";
import { type llm, metering } from "@switchyard/proto";
import type { AttemptInfo } from "./meter.js";

type RequestInfo = Pick<AttemptInfo, "operation" | "user" | "tags" | "metadata" | "estimatePrompt">;

/** The attribution of an audio or image request. */
export function mediaRequestInfo(
  operation: "audio.transcriptions" | "audio.speech" | "images.generations" | "images.variations",
  request: { user: string; tags: string[]; metadata: { [key: string]: string } },
): RequestInfo {
  return {
    operation,
    user: request.user,
    tags: request.tags,
    metadata: request.metadata,
    estimatePrompt: async () => 0,
  };
}

/** The characters of a text as text-to-speech providers count them (code points). */
export function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The duration of a PCM WAV file from its RIFF header (data bytes / byte rate), for upstreams that report none;
 * undefined for other formats or a header it cannot read.
 */
export function wavSeconds(bytes: Uint8Array): number | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 44 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE") {
    return undefined;
  }
  let byteRate = 0;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString("ascii", at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === "fmt " && at + 16 <= buf.length) byteRate = buf.readUInt32LE(at + 16);
    if (id === "data") return byteRate > 0 ? Math.min(size, buf.length - at - 8) / byteRate : undefined;
    at += 8 + size + (size % 2);
  }
  return undefined;
}

/** A transcription's billed units: its duration (reported, else read from a WAV header) and any reported tokens. */
export function transcriptionBilled(
  request: llm.TranscriptionRequest,
  res: llm.TranscriptionResponse,
): metering.Tokens {
  const seconds = res.durationSeconds ?? wavSeconds(request.file);
  return create(metering.TokensSchema, {
    prompt: res.usage?.promptTokens ?? 0,
    completion: res.usage?.completionTokens ?? 0,
    audioMillis: seconds === undefined ? 0 : Math.round(seconds * 1000),
    estimated: res.durationSeconds === undefined && !res.usage,
  });
}

/** Speech is billed by the input's characters, recorded as prompt tokens. */
export function speechBilled(request: llm.SpeechRequest): metering.Tokens {
  return create(metering.TokensSchema, { prompt: characters(request.input) });
}

/** Images are billed per image returned. */
export function imagesBilled(res: llm.ImagesResponse): metering.Tokens {
  return create(metering.TokensSchema, { images: res.data.length });
}
