// What audio and image attempts are billed by: seconds of audio (transcriptions), characters (speech, counted as
// prompt tokens so a price per 1M characters is an `input` rate) and images. Attribution as for chat.
import { create } from "@bufbuild/protobuf";
import { audioSeconds, characters } from "@switchyard/openai";
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

/**
 * A transcription's billed units: its duration (as the upstream reports it, else read from the uploaded file's
 * container, marked estimated) and any reported tokens.
 */
export async function transcriptionBilled(
  request: llm.TranscriptionRequest,
  res: llm.TranscriptionResponse,
): Promise<metering.Tokens> {
  const seconds =
    res.durationSeconds ??
    (await audioSeconds(request.file, { filename: request.filename, contentType: request.contentType }));
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
