// The length of an uploaded audio file, read from its container (WAV, MP3, M4A/MP4, Ogg/Opus, FLAC, WebM and what
// else music-metadata knows). Transcriptions are priced per second of audio: the ingress reserves a request's seconds
// against budgets before it is sent, and the provider worker bills them when the upstream reports no duration.

import { parseBuffer } from "music-metadata";

/** What the client said of the file: its name and content type, hints for the format. */
export interface AudioHint {
  readonly filename?: string;
  readonly contentType?: string;
}

/**
 * The duration of an audio file in seconds; undefined when its format is not recognised, it declares no length or it
 * is damaged. Never throws. An MP3 without a length header is read frame by frame (bounded by the upload limit).
 */
export async function audioSeconds(bytes: Uint8Array, hint: AudioHint = {}): Promise<number | undefined> {
  if (bytes.byteLength === 0) return undefined;
  try {
    const metadata = await parseBuffer(
      bytes,
      {
        size: bytes.byteLength,
        ...(hint.contentType ? { mimeType: hint.contentType } : {}),
        ...(hint.filename ? { path: hint.filename } : {}),
      },
      { duration: true, skipCovers: true },
    );
    const seconds = metadata.format.duration;
    return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

/** The characters of a text as text-to-speech providers count and bill them (code points). */
export function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
