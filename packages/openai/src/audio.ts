// OpenAI's audio wire formats (https://platform.openai.com/docs/api-reference/audio) <-> the canonical
// switchyard.llm.v1 media messages: transcriptions (multipart in, JSON or text out) and speech (JSON in, audio out).
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { clientFields as f, upstreamFields as u } from "./fields.js";
import { type Form, formEnum, formFile, formNumber, formRequired, formString } from "./form.js";
import { findHazard, isObject, itemPath, type JsonObject } from "./json.js";
import { parseFallbacks, parseMetadata } from "./request-parse.js";

/** The transcription formats OpenAI serves; the last three are plain text. */
export const TRANSCRIPTION_FORMATS = ["json", "verbose_json", "text", "srt", "vtt"] as const;
/** The audio formats of `/v1/audio/speech` and their content types. */
export const SPEECH_CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp3: "audio/mpeg",
  opus: "audio/opus",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};
const GRANULARITIES = ["word", "segment"];
/** OpenAI's limit on `input` and `instructions`. */
export const MAX_SPEECH_INPUT = 4096;

/** Validates a transcription form (file, model, language, prompt ...); throws GatewayError naming the field. */
export function parseTranscriptionForm(form: Form): llm.TranscriptionRequest {
  const file = formFile(form, "file");
  const granularities = [
    ...(form.fields.get("timestamp_granularities[]") ?? []),
    ...(form.fields.get("timestamp_granularities") ?? []),
  ];
  for (const [i, g] of granularities.entries()) {
    if (!GRANULARITIES.includes(g))
      throw f.fail(itemPath("timestamp_granularities", i), 'expected "word" or "segment"');
  }
  const temperature = formNumber(form, "temperature", 0, 1);
  return create(llm.TranscriptionRequestSchema, {
    model: formRequired(form, "model"),
    file: file.data,
    filename: file.filename || "audio",
    contentType: file.contentType || "application/octet-stream",
    language: formString(form, "language") ?? "",
    prompt: formString(form, "prompt") ?? "",
    responseFormat: formEnum(form, "response_format", TRANSCRIPTION_FORMATS) || "json",
    ...(temperature === undefined ? {} : { temperature }),
    timestampGranularities: granularities,
    user: formString(form, "user") ?? "",
  });
}

/** True for the formats OpenAI answers as plain text. */
export function isTextTranscription(format: string): boolean {
  return format === "text" || format === "srt" || format === "vtt";
}

/** Reads an upstream's OpenAI transcription answer: JSON for json/verbose_json, the text itself otherwise. */
export function parseTranscriptionResponse(body: unknown, format: string, model: string): llm.TranscriptionResponse {
  if (typeof body === "string") {
    return create(llm.TranscriptionResponseSchema, {
      model,
      text: format === "text" ? body.trim() : "",
      formatted: body,
    });
  }
  const json = u.item(body, "response");
  const usage = u.object(json, "usage", "");
  const reported = usage && usage["type"] === "duration" ? u.number(usage, "seconds", "usage", 0, 1e9) : undefined;
  const duration = u.number(json, "duration", "", 0, 1e9) ?? reported;
  const words = u.array(json, "words", "") ?? [];
  const segments = u.array(json, "segments", "") ?? [];
  return create(llm.TranscriptionResponseSchema, {
    model,
    text: u.requiredString(json, "text", ""),
    language: u.string(json, "language", "") ?? "",
    ...(duration === undefined ? {} : { durationSeconds: duration }),
    words: words.map((raw, i) => {
      const w = u.item(raw, itemPath("words", i));
      return create(llm.TranscriptionWordSchema, {
        word: u.string(w, "word", "") ?? "",
        start: u.number(w, "start", "", 0, 1e9) ?? 0,
        end: u.number(w, "end", "", 0, 1e9) ?? 0,
      });
    }),
    segments: segments.map((raw, i) => segmentOf(u.item(raw, itemPath("segments", i)))),
    ...(usage && usage["type"] === "tokens"
      ? {
          usage: create(llm.UsageSchema, {
            promptTokens: u.integer(usage, "input_tokens", "usage", 0, 2 ** 32 - 1) ?? 0,
            completionTokens: u.integer(usage, "output_tokens", "usage", 0, 2 ** 32 - 1) ?? 0,
            totalTokens: u.integer(usage, "total_tokens", "usage", 0, 2 ** 32 - 1) ?? 0,
          }),
        }
      : {}),
  });
}

function segmentOf(s: JsonObject): llm.TranscriptionSegment {
  const num = (key: string) => (typeof s[key] === "number" ? (s[key] as number) : 0);
  const tokens = Array.isArray(s["tokens"]) ? s["tokens"].filter((t): t is number => Number.isInteger(t)) : [];
  return create(llm.TranscriptionSegmentSchema, {
    id: Math.max(0, Math.trunc(num("id"))),
    seek: Math.max(0, Math.trunc(num("seek"))),
    start: num("start"),
    end: num("end"),
    text: typeof s["text"] === "string" ? s["text"] : "",
    tokens,
    temperature: num("temperature"),
    avgLogprob: num("avg_logprob"),
    compressionRatio: num("compression_ratio"),
    noSpeechProb: num("no_speech_prob"),
  });
}

/** The client's answer in its response_format: the JSON shapes OpenAI renders, or the text as the upstream sent it. */
export function renderTranscription(
  res: llm.TranscriptionResponse,
  format: string,
): { contentType: string; body: string } {
  if (isTextTranscription(format)) {
    const body = res.formatted || (format === "text" ? `${res.text}\n` : "");
    return { contentType: "text/plain; charset=utf-8", body };
  }
  const usage =
    res.usage && res.usage.promptTokens + res.usage.completionTokens > 0
      ? {
          type: "tokens",
          input_tokens: res.usage.promptTokens,
          output_tokens: res.usage.completionTokens,
          total_tokens: res.usage.totalTokens || res.usage.promptTokens + res.usage.completionTokens,
        }
      : res.durationSeconds === undefined
        ? undefined
        : { type: "duration", seconds: res.durationSeconds };
  if (format !== "verbose_json")
    return { contentType: "application/json", body: JSON.stringify({ text: res.text, usage }) };
  const body = {
    task: "transcribe",
    language: res.language,
    duration: res.durationSeconds ?? 0,
    text: res.text,
    ...(res.words.length > 0 ? { words: res.words.map((w) => ({ word: w.word, start: w.start, end: w.end })) } : {}),
    ...(res.segments.length > 0
      ? {
          segments: res.segments.map((s) => ({
            id: s.id,
            seek: s.seek,
            start: s.start,
            end: s.end,
            text: s.text,
            tokens: s.tokens,
            temperature: s.temperature,
            avg_logprob: s.avgLogprob,
            compression_ratio: s.compressionRatio,
            no_speech_prob: s.noSpeechProb,
          })),
        }
      : {}),
    ...(res.durationSeconds === undefined ? {} : { usage: { type: "duration", seconds: res.durationSeconds } }),
  };
  return { contentType: "application/json", body: JSON.stringify(body) };
}

/** Validates an OpenAI speech request body; throws GatewayError naming the field. */
export function parseSpeechRequest(body: unknown): llm.SpeechRequest {
  if (!isObject(body)) throw f.fail("request body", "expected a JSON object");
  const hazard = findHazard(body);
  if (hazard !== undefined) throw f.fail(hazard.path, hazard.problem);
  const model = f.requiredString(body, "model", "");
  if (model === "") throw f.fail("model", "required");
  const input = f.requiredString(body, "input", "");
  if (input === "") throw f.fail("input", "expected a non-empty string");
  if (input.length > MAX_SPEECH_INPUT) throw f.fail("input", `expected at most ${MAX_SPEECH_INPUT} characters`);
  const voiceValue = body["voice"];
  const voice = isObject(voiceValue)
    ? f.requiredString(voiceValue, "id", "voice")
    : f.requiredString(body, "voice", "");
  if (voice === "") throw f.fail("voice", "required");
  const format = f.string(body, "response_format", "") ?? "mp3";
  if (!(format in SPEECH_CONTENT_TYPES)) {
    throw f.fail("response_format", `expected one of ${Object.keys(SPEECH_CONTENT_TYPES).join(", ")}`);
  }
  const instructions = f.string(body, "instructions", "") ?? "";
  if (instructions.length > MAX_SPEECH_INPUT) {
    throw f.fail("instructions", `expected at most ${MAX_SPEECH_INPUT} characters`);
  }
  const speed = f.number(body, "speed", "", 0.25, 4);
  return create(llm.SpeechRequestSchema, {
    model,
    input,
    voice,
    responseFormat: format,
    ...(speed === undefined ? {} : { speed }),
    instructions,
    user: f.string(body, "user", "") ?? "",
    ...parseMetadata(body),
    fallbacks: parseFallbacks(body),
  });
}

/** The exact body sent to an OpenAI-compatible `/audio/speech`, with the deployment's upstream model. */
export function speechRequestToJson(req: llm.SpeechRequest, model: string): JsonObject {
  const body: JsonObject = { model, input: req.input, voice: req.voice, response_format: req.responseFormat || "mp3" };
  if (req.speed !== undefined) body.speed = req.speed;
  if (req.instructions) body.instructions = req.instructions;
  return body;
}
