// The ElevenLabs adapter: OpenAI's /v1/audio/speech served by text to speech
// (https://elevenlabs.io/docs/api-reference/text-to-speech/convert) and /v1/audio/transcriptions by speech to text
// (https://elevenlabs.io/docs/api-reference/speech-to-text/convert). No chat.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { FormData } from "undici";
import { NO_CHAT } from "../audio-only.js";
import { unsupportedParam } from "../errors.js";
import { postMedia, postMediaJson } from "../http-media.js";
import { asArray, asNumber, asObject, asString } from "../json.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import { elevenlabsHeaders, speechToTextUrl, textToSpeechUrl } from "./api.js";
import { classifyElevenLabsError } from "./errors.js";

/** OpenAI's speech formats as ElevenLabs' output_format, with the content type of the answer. */
const OUTPUT_FORMATS: Readonly<Record<string, readonly [string, string]>> = {
  mp3: ["mp3_44100_128", "audio/mpeg"],
  // OpenAI's pcm is 24 kHz 16-bit little-endian mono, as ElevenLabs' pcm_24000.
  pcm: ["pcm_24000", "audio/pcm"],
  opus: ["opus_48000_128", "audio/opus"],
};

function refuse(ctx: AttemptContext, param: string, detail = ""): void {
  if (ctx.deployment.params.drop_params !== true) throw unsupportedParam(ctx.deployment, param, detail);
}

/** The text-to-speech body: `text`, `model_id` and, when asked, `voice_settings.speed`. */
export function speechBody(request: llm.SpeechRequest, ctx: AttemptContext): Record<string, unknown> {
  if (request.instructions) refuse(ctx, "instructions");
  const body: Record<string, unknown> = { text: request.input, model_id: ctx.deployment.model };
  // ElevenLabs accepts speeds from 0.7 to 1.2.
  if (request.speed !== undefined) body.voice_settings = { speed: Math.min(1.2, Math.max(0.7, request.speed)) };
  return body;
}

async function speak(request: llm.SpeechRequest, ctx: AttemptContext): Promise<llm.SpeechResponse> {
  const format = request.responseFormat || "mp3";
  let output = OUTPUT_FORMATS[format];
  if (!output) {
    refuse(ctx, "response_format", `"${format}" (use mp3, opus or pcm)`);
    output = OUTPUT_FORMATS.mp3!;
  }
  const answer = await postMedia(ctx, {
    url: textToSpeechUrl(ctx.deployment, request.voice, output[0]),
    headers: elevenlabsHeaders(ctx.apiKey),
    body: { json: speechBody(request, ctx) },
    classify: classifyElevenLabsError,
  });
  return create(llm.SpeechResponseSchema, {
    model: ctx.deployment.model,
    audio: answer.bytes,
    contentType: output[1],
    characters: [...request.input].length,
  });
}

/** The speech-to-text form: `model_id`, `file` and `language_code`. */
export function transcriptionForm(request: llm.TranscriptionRequest, ctx: AttemptContext): FormData {
  const format = request.responseFormat || "json";
  if (format === "srt" || format === "vtt")
    refuse(ctx, "response_format", `"${format}" (use json, verbose_json or text)`);
  if (request.prompt) refuse(ctx, "prompt");
  if (request.timestampGranularities.includes("segment")) refuse(ctx, "timestamp_granularities", '"segment"');
  const form = new FormData();
  form.append("model_id", ctx.deployment.model);
  form.append("file", new Blob([request.file], { type: request.contentType }), request.filename);
  if (request.language) form.append("language_code", request.language);
  if (request.temperature !== undefined) form.append("temperature", String(request.temperature));
  return form;
}

/** Reads {"language_code","text","words":[{"text","start","end","type"}]}. */
export function parseSpeechToText(json: unknown, request: llm.TranscriptionRequest, model: string) {
  const root = asObject(json) ?? {};
  const words = request.timestampGranularities.includes("word")
    ? asArray(root.words)
        .map((raw) => asObject(raw) ?? {})
        .filter((w) => w.type === undefined || w.type === "word")
        .map((w) =>
          create(llm.TranscriptionWordSchema, {
            word: asString(w.text) ?? "",
            start: asNumber(w.start) ?? 0,
            end: asNumber(w.end) ?? 0,
          }),
        )
    : [];
  return create(llm.TranscriptionResponseSchema, {
    model,
    text: asString(root.text) ?? "",
    language: asString(root.language_code) ?? "",
    words,
  });
}

/** ElevenLabs text to speech and speech to text (Scribe). */
export const elevenlabsAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze({
    name: "ElevenLabs",
    docs: "https://elevenlabs.io/docs/api-reference/text-to-speech/convert",
    capabilities: Object.freeze(["transcription", "speech"] as const),
  }),
  env: { apiKey: ["ELEVENLABS_API_KEY"], apiBase: ["ELEVENLABS_API_BASE"] },
  ...NO_CHAT,
  speak,
  async transcribe(request: llm.TranscriptionRequest, ctx: AttemptContext) {
    const json = await postMediaJson(ctx, {
      url: speechToTextUrl(ctx.deployment),
      headers: elevenlabsHeaders(ctx.apiKey),
      body: { form: transcriptionForm(request, ctx) },
      classify: classifyElevenLabsError,
    });
    return parseSpeechToText(json, request, ctx.deployment.model);
  },
});
